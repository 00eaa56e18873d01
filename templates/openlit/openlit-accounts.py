#!/usr/bin/env python3
"""openlit-accounts: make OpenLIT's accounts match the configured ones, idempotently.

Python 3.9+, standard library only. Passwords come from SSM through the aws CLI's stdout (a pipe) and go to
OpenLIT only in request bodies: never in argv or the environment of a child process, a URL, an output line,
an exception text or a file.
"""

import argparse
import fcntl
import hashlib
import http.client
import http.cookiejar
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HELP = """\
Makes OpenLIT's accounts match the configured ones: the owner (OWNER_EMAIL) gets the password in SSM
parameter OWNER_PASSWORD_PARAMETER instead of OpenLIT's published default; each DEMO_EMAILS entry gets
the password at the same position in DEMO_PASSWORDS_PARAMETER (comma-separated), and is registered
(onboarding completed) if it does not exist. A rotated password (new parameter version) is applied by
logging in with the previous version's password (STATE_DIR records the version applied per account)
and changing it. Safe to run any number of times.

environment:
  OPENLIT_URL               OpenLIT's base URL, e.g. http://127.0.0.1:3000 (required)
  AWS_REGION                region of the SSM parameters (required)
  OWNER_EMAIL               owner account (default user@openlit.io)
  OWNER_PASSWORD_PARAMETER  SSM SecureString with the owner's password (required)
  DEMO_EMAILS               comma-separated demo account e-mails (default: none)
  DEMO_PASSWORDS_PARAMETER  SSM SecureString with their passwords, comma-separated, same order
                            (required when DEMO_EMAILS is set)
  STATE_DIR                 per-account parameter version applied last (default /var/lib/openlit/accounts)
  WAIT_SECONDS              how long to wait for OpenLIT to answer GET /api/auth/csrf (default 600)

output: one line per account on stdout, "<owner|demo> <email>: <what happened>", one of
  unchanged | re-keyed from the published default | password updated | created
  (with --dry-run: unchanged | would re-key from the published default | would update the password |
  would create); errors on stderr. --dry-run logs in but changes nothing; it cannot tell a missing demo
  account from one with a password this instance never set (both: "would create").

exit status: 0 every account is right; 1 one or more accounts failed (each says why and what to do);
  2 usage or configuration error; 3 OpenLIT did not answer within WAIT_SECONDS.
"""

PUBLISHED_DEFAULT = "openlituser"  # OpenLIT's seed password for user@openlit.io: public, not a secret
SESSION_COOKIES = ("next-auth.session-token", "__Secure-next-auth.session-token")
RETRY_SECONDS = 5
HTTP_TIMEOUT = 20
PROBE_TIMEOUT = 5
AWS_TIMEOUT = 120
EXIT_OK, EXIT_ACCOUNTS, EXIT_CONFIG, EXIT_UNREACHABLE = 0, 1, 2, 3
PROG = "openlit-accounts"


class Secret:
    """A password. str(), repr() and formatting never show it; reveal() is the only way to the value."""

    __slots__ = ("_value",)

    def __init__(self, value):
        self._value = value

    def reveal(self):
        return self._value

    def __repr__(self):
        return "<secret>"

    __str__ = __repr__

    def __eq__(self, other):
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self):
        return hash(self._value)


class Failure(Exception):
    """Something went wrong for one account. The message never contains a password."""


class ConfigError(Exception):
    pass


class Clock:
    """Real time, or (ACCOUNTS_VIRTUAL_CLOCK=<file>, for tests) a virtual clock: sleep() returns at once,
    advances the clock and appends the seconds to <file>, one line per sleep."""

    def __init__(self, log=""):
        self.log = log
        self.virtual = 0.0

    def now(self):
        return self.virtual if self.log else time.monotonic()

    def sleep(self, seconds):
        if not self.log:
            time.sleep(seconds)
            return
        self.virtual += seconds
        with open(self.log, "a") as f:
            f.write("%g\n" % seconds)


CLOCK = Clock(os.environ.get("ACCOUNTS_VIRTUAL_CLOCK", ""))


def err(message):
    print("%s: %s" % (PROG, message), file=sys.stderr, flush=True)


def password_problem(password):
    """Why OpenLIT's createNewUser would refuse the password (8-128 characters, A-Z, a-z, 0-9), or None."""
    value = password.reveal()
    length = len(value.encode("utf-16-le")) // 2  # JavaScript's String.length counts UTF-16 code units
    problems = []
    if length < 8:
        problems.append("is shorter than 8 characters")
    if length > 128:
        problems.append("is longer than 128 characters")
    for chars, what in (("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "upper-case letter (A-Z)"),
                        ("abcdefghijklmnopqrstuvwxyz", "lower-case letter (a-z)"),
                        ("0123456789", "digit (0-9)")):
        if not any(c in chars for c in value):
            problems.append("has no " + what)
    return ", ".join(problems) or None


# --- SSM (through the aws CLI: the value arrives on its stdout, a pipe) --------------------------------------

_ssm_cache = {}


def ssm_get(region, name, version=None):
    """(Secret value, version) of an SSM parameter, or of one version of it."""
    ref = name if version is None else "%s:%d" % (name, version)
    if ref in _ssm_cache:
        return _ssm_cache[ref]
    argv = ["aws", "ssm", "get-parameter", "--region", region, "--name", ref, "--with-decryption",
            "--query", "Parameter.[Value,Version]", "--output", "json"]
    env = dict(os.environ, AWS_PAGER="")
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, timeout=AWS_TIMEOUT)
    except FileNotFoundError:
        raise Failure("cannot read SSM parameter %s: the aws CLI is not installed (not on PATH)" % ref) from None
    except subprocess.TimeoutExpired:
        raise Failure("cannot read SSM parameter %s: aws did not answer within %d s" % (ref, AWS_TIMEOUT)) from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise Failure("cannot read SSM parameter %s: %s" % (ref, lines[-1] if lines else "aws exited %d" % proc.returncode))
    try:
        value, got = json.loads(proc.stdout.decode("utf-8"))
        if not isinstance(value, str) or not isinstance(got, int) or isinstance(got, bool):
            raise ValueError
    except (ValueError, TypeError):  # JSON, UTF-8 and unpacking errors; their text is not shown (it could quote the value)
        raise Failure("cannot read SSM parameter %s: aws printed something other than [value, version]" % ref) from None
    _ssm_cache[ref] = (Secret(value), got)
    return _ssm_cache[ref]


# --- OpenLIT over HTTP ----------------------------------------------------------------------------------------

class _CookiePolicy(http.cookiejar.DefaultCookiePolicy):
    # NextAuth marks its cookies Secure when NEXTAUTH_URL is https; this script may talk plain http to the local
    # port, so Secure cookies are sent back anyway (to the same host only, as ever).
    def return_ok_secure(self, cookie, request):
        return True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Session:
    """One browser-like session: its own cookie jar, no proxies, no redirects followed, a timeout on every request."""

    def __init__(self, base):
        self.base = base
        parts = urllib.parse.urlsplit(base)
        self.origin = "%s://%s" % (parts.scheme, parts.netloc)
        self.jar = http.cookiejar.CookieJar(_CookiePolicy())
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, method, path, data=None, headers=None, timeout=HTTP_TIMEOUT):
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            try:
                return e.code, e.read()
            finally:
                e.close()
        except urllib.error.URLError as e:
            raise Failure("%s %s: %s" % (method, path, e.reason)) from None
        except (OSError, http.client.HTTPException) as e:
            raise Failure("%s %s: %s" % (method, path, e.__class__.__name__ + (": %s" % e if str(e) else ""))) from None

    def has_session(self):
        return any(c.name in SESSION_COOKIES or c.name.startswith(tuple(n + "." for n in SESSION_COOKIES))
                   for c in self.jar)

    def sign_in(self, provider, email, password):
        """Credentials sign-in (provider "login" or "register"); True when NextAuth set a session cookie."""
        status, body = self.request("GET", "/api/auth/csrf")
        try:
            token = json.loads(body.decode("utf-8"))["csrfToken"] if status == 200 else None
        except (ValueError, KeyError, TypeError):
            token = None
        if not isinstance(token, str):
            raise Failure("GET /api/auth/csrf answered HTTP %d without a csrfToken" % status)
        form = urllib.parse.urlencode({"csrfToken": token, "email": email, "password": password.reveal(),
                                       "json": "true"}).encode("ascii")
        status, _ = self.request("POST", "/api/auth/callback/" + provider, form,
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        if status >= 500:
            raise Failure("POST /api/auth/callback/%s answered HTTP %d" % (provider, status))
        return self.has_session()

    def post_json(self, path, payload, secrets=()):
        """POST JSON with the session cookie and an Origin header (OpenLIT's CSRF check); raises unless 2xx."""
        status, body = self.request("POST", path, json.dumps(payload).encode("utf-8"),
                                    {"Content-Type": "application/json", "Origin": self.origin})
        if not 200 <= status < 300:
            text = body.decode("utf-8", "replace").strip()[:200]
            if any(s.reveal() and s.reveal() in text for s in secrets):
                text = ""
            raise Failure("POST %s answered HTTP %d%s" % (path, status, ": " + text if text else ""))


def login(base, email, password):
    session = Session(base)
    return session if session.sign_in("login", email, password) else None


def wait_for_openlit(base, wait_seconds):
    deadline = CLOCK.now() + wait_seconds
    attempts, announced = 0, False
    while True:
        attempts += 1
        try:
            status, _ = Session(base).request("GET", "/api/auth/csrf", timeout=PROBE_TIMEOUT)
            if status == 200:
                return
            last = "HTTP %d" % status
        except Failure as e:
            last = str(e)
        remaining = deadline - CLOCK.now()
        if remaining <= 0:
            raise Failure("OpenLIT at %s did not answer GET /api/auth/csrf with HTTP 200 within %d s (%d attempts, "
                          "last: %s). Is it running? systemctl status openlit; docker logs openlit-openlit-1"
                          % (base, wait_seconds, attempts, last))
        if not announced:
            err("waiting up to %d s for OpenLIT at %s (%s)" % (wait_seconds, base, last))
            announced = True
        CLOCK.sleep(min(RETRY_SECONDS, remaining))


# --- State: the parameter version applied last, per account ---------------------------------------------------

def read_state(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        err("ignoring unreadable state file %s (%s)" % (path, e.__class__.__name__))
        return None


def write_state(path, version):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, b"%d\n" % version)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


# --- Accounts -------------------------------------------------------------------------------------------------

class Account:
    def __init__(self, kind, email, parameter, index, state_dir):
        self.kind, self.email, self.parameter, self.index = kind, email, parameter, index
        self.state_file = os.path.join(state_dir, hashlib.sha256(email.encode("utf-8")).hexdigest() + ".version")
        self.password = None
        self.version = None
        self.error = None

    def __str__(self):
        return "%s %s" % (self.kind, self.email)


def previous_passwords(account, region, recorded):
    """([(Secret, how it is described)] to try as the account's current password, best guess first; notes on
    previous passwords that could not be read)."""
    candidates, seen, notes = [], set(), []

    def add(secret, label):
        if secret not in seen and secret != account.password:
            seen.add(secret)
            candidates.append((secret, label))

    value = None
    if recorded is not None and recorded < account.version:
        try:
            value, _ = ssm_get(region, account.parameter, recorded)
        except Failure as e:
            notes.append(str(e))
    if value is not None:
        if account.index is None:
            add(value, "version %d" % recorded)
        else:
            old = value.reveal().split(",")
            # Same position first; then the version's other entries, in case DEMO_EMAILS was reordered since.
            order = ([account.index] if account.index < len(old) else []) + [i for i in range(len(old)) if i != account.index]
            for i in order:
                add(Secret(old[i]), "version %d" % recorded)
    if account.kind == "owner":
        add(Secret(PUBLISHED_DEFAULT), "the published default")
    return candidates, notes


def reconcile(account, base, region, dry_run):
    """Brings one account in line; returns what happened (for the output line) or raises Failure."""
    pw, version = account.password, account.version
    recorded = read_state(account.state_file)

    def record():
        if not dry_run and recorded != version:
            write_state(account.state_file, version)

    def verify():
        if not login(base, account.email, pw):
            raise Failure("OpenLIT accepted the change but login with %s version %d still fails; run %s again"
                          % (account.parameter, version, PROG))

    if login(base, account.email, pw):
        record()
        return "unchanged"

    tried = []
    candidates, notes = previous_passwords(account, region, recorded)
    for old, label in candidates:
        if label not in tried:
            tried.append(label)
        session = login(base, account.email, old)
        if not session:
            continue
        done = "re-keyed from the published default" if label == "the published default" else "password updated"
        if dry_run:
            return "would re-key from the published default" if done.startswith("re-keyed") else "would update the password"
        session.post_json("/api/user/profile", {"currentPassword": old.reveal(), "newPassword": pw.reveal()}, (old, pw))
        verify()
        record()
        return done

    tried_text = "%s version %d%s%s" % (account.parameter, version, "".join(" nor with " + t for t in tried),
                                         "".join(" (%s)" % n for n in notes))
    if account.kind == "owner":
        raise Failure("login works neither with %s: the account has a password this instance never set. Log in as "
                      "it and change its password to the value of %s (or, if it was set from an older version of that "
                      "parameter, write that version number to %s), then run %s again. Never delete this user: "
                      "OpenLIT would re-create it with the published default password."
                      % (tried_text, account.parameter, account.state_file, PROG))
    if dry_run:
        return "would create"
    session = Session(base)
    if not session.sign_in("register", account.email, pw):
        raise Failure("exists with a password this instance never set (login works neither with %s, and registering "
                      "it was refused). Log in as it and change its password to the one at its position in %s (or, if "
                      "it was set from an older version of that parameter, write that version number to %s; or delete "
                      "the user in OpenLIT so that it is re-created), then run %s again."
                      % (tried_text, account.parameter, account.state_file, PROG))
    session.post_json("/api/user/complete-onboarding", {}, (pw,))
    verify()
    record()
    return "created"


def split_emails(text):
    emails = [e.strip() for e in text.split(",")] if text.strip() else []
    for e in emails:
        if not e or "@" not in e or any(c.isspace() for c in e):
            raise ConfigError("DEMO_EMAILS has an invalid entry %r: give comma-separated e-mail addresses" % e)
    dupes = sorted({e for e in emails if emails.count(e) > 1})
    if dupes:
        raise ConfigError("DEMO_EMAILS lists %s more than once" % ", ".join(dupes))
    return emails


def load_config():
    env = os.environ
    missing = [k for k in ("OPENLIT_URL", "AWS_REGION", "OWNER_PASSWORD_PARAMETER") if not env.get(k, "").strip()]
    if missing:
        raise ConfigError("set %s in the environment (see --help)" % ", ".join(missing))
    cfg = {
        "url": env["OPENLIT_URL"].strip().rstrip("/"),
        "region": env["AWS_REGION"].strip(),
        "owner_email": env.get("OWNER_EMAIL", "").strip() or "user@openlit.io",
        "owner_parameter": env["OWNER_PASSWORD_PARAMETER"].strip(),
        "demo_emails": split_emails(env.get("DEMO_EMAILS", "")),
        "demo_parameter": env.get("DEMO_PASSWORDS_PARAMETER", "").strip(),
        "state_dir": env.get("STATE_DIR", "").strip() or "/var/lib/openlit/accounts",
    }
    if urllib.parse.urlsplit(cfg["url"]).scheme not in ("http", "https"):
        raise ConfigError("OPENLIT_URL must start with http:// or https://, got %r" % cfg["url"])
    if cfg["owner_email"] in cfg["demo_emails"]:
        raise ConfigError("DEMO_EMAILS lists the owner %s" % cfg["owner_email"])
    if cfg["demo_emails"] and not cfg["demo_parameter"]:
        raise ConfigError("DEMO_EMAILS is set but DEMO_PASSWORDS_PARAMETER is empty")
    wait = env.get("WAIT_SECONDS", "").strip() or "600"
    if not wait.isdigit():
        raise ConfigError("WAIT_SECONDS must be a whole number of seconds, got %r" % wait)
    cfg["wait"] = int(wait)
    return cfg


def main(argv):
    parser = argparse.ArgumentParser(prog=PROG, description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true",
                        help="log in to see what is needed and print what would be done, changing nothing "
                             "(no password change, registration or state file)")
    args = parser.parse_args(argv)
    os.umask(0o077)
    try:
        cfg = load_config()
        if not args.dry_run:
            os.makedirs(cfg["state_dir"], mode=0o700, exist_ok=True)
            os.chmod(cfg["state_dir"], 0o700)
            # One run at a time (a lock on the directory itself: no extra file). Released when the process ends.
            lock = os.open(cfg["state_dir"], os.O_RDONLY)
            fcntl.flock(lock, fcntl.LOCK_EX)
    except ConfigError as e:
        err(str(e))
        return EXIT_CONFIG
    except OSError as e:
        err("cannot use STATE_DIR %s: %s" % (cfg["state_dir"], e.strerror or e))
        return EXIT_CONFIG

    region = cfg["region"]
    owner = Account("owner", cfg["owner_email"], cfg["owner_parameter"], None, cfg["state_dir"])
    demos = [Account("demo", e, cfg["demo_parameter"], i, cfg["state_dir"]) for i, e in enumerate(cfg["demo_emails"])]

    # Read and check every password before talking to OpenLIT.
    try:
        owner.password, owner.version = ssm_get(region, owner.parameter)
    except Failure as e:
        owner.error = str(e)
    if demos:
        try:
            value, version = ssm_get(region, cfg["demo_parameter"])
            passwords = value.reveal().split(",")
            if len(passwords) != len(demos):
                raise Failure("DEMO_EMAILS has %d e-mails but %s version %d holds %d comma-separated passwords: "
                              "give one password per e-mail, in the same order"
                              % (len(demos), cfg["demo_parameter"], version, len(passwords)))
            for demo, password in zip(demos, passwords):
                demo.password, demo.version = Secret(password), version
        except Failure as e:
            for demo in demos:
                demo.error = str(e)
    accounts = [owner] + demos
    for a in accounts:
        problem = a.error is None and password_problem(a.password)
        if problem:
            a.error = ("its password (%s version %d%s) breaks OpenLIT's password rule: it %s. Nothing was sent to "
                       "OpenLIT for this account; put a valid password in the parameter (8-128 characters with "
                       "upper- and lower-case letters and a digit)"
                       % (a.parameter, a.version, "" if a.index is None else ", entry %d" % (a.index + 1), problem))

    failed = 0
    for a in accounts:
        if a.error:
            err("%s: %s" % (a, a.error))
            failed += 1
    if failed < len(accounts):
        try:
            wait_for_openlit(cfg["url"], cfg["wait"])
        except Failure as e:
            err(str(e))
            return EXIT_UNREACHABLE
    for a in accounts:
        if a.error:
            continue
        try:
            print("%s: %s" % (a, reconcile(a, cfg["url"], region, args.dry_run)), flush=True)
        except Failure as e:
            err("%s: %s" % (a, e))
            failed += 1
        except OSError as e:  # the state file
            err("%s: cannot write %s: %s" % (a, a.state_file, e.strerror or e.__class__.__name__))
            failed += 1
    return EXIT_ACCOUNTS if failed else EXIT_OK


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as e:  # a bug: no message or traceback, which could quote a value (a password)
        tb = e.__traceback__
        while tb.tb_next:
            tb = tb.tb_next
        err("internal error: %s at line %d (details not shown: they could contain a password)" % (e.__class__.__name__, tb.tb_lineno))
        sys.exit(EXIT_ACCOUNTS)
