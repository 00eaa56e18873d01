#!/usr/bin/env python3
# openlit-accounts (Python 3.9+, stdlib only). Passwords go only from the aws CLI's stdout to request bodies: never
# to argv, env, URLs, output or files.

import argparse, fcntl, hashlib, http.client, http.cookiejar, json, os, re, subprocess, sys, time, traceback
import urllib.parse, urllib.request

HELP = """\
Sets the owner's and demo accounts' passwords from SSM, creating demo accounts in the owner's organisation.
Safe to re-run.

environment:
  OPENLIT_URL               e.g. http://127.0.0.1:3001 (required)
  FORWARDED_PROTO           http (default), or https if OpenLIT's NEXTAUTH_URL is https://
  AWS_REGION                region of the SSM parameters (required)
  OWNER_EMAIL               default user@openlit.io
  OWNER_PASSWORD_PARAMETER  SSM parameter with the owner's password (required)
  DEMO_EMAILS               comma-separated demo account e-mails
  DEMO_PASSWORDS_PARAMETER  SSM parameter with their passwords, comma-separated, same order
  STATE_DIR                 default /var/lib/openlit/accounts
  WAIT_SECONDS              default 600

exit status: 0 done; 1 an account failed (its message says why and what to do); 2 usage or configuration error;
  3 OpenLIT did not answer within WAIT_SECONDS.
"""

PUBLISHED = "openlituser"  # OpenLIT's seed password: public
COOKIE = {"http": "next-auth.session-token", "https": "__Secure-next-auth.session-token"}
# Invite answers (HTTP 207) meaning there is nothing to do
ALREADY = ("User is already a member of this organisation", "User has already been invited to this organisation")
# The invite route's e-mail check
EMAIL_RE = re.compile(r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@L(?:\.L)*$".replace(
    "L", "[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"))
PROG = "openlit-accounts"
AGAIN = "then run %s again" % PROG
URL = REGION = PROTO = DRY = None  # set by main


class Secret:
    """A password that str() and repr() never show."""
    def __init__(self, v):
        self._v = v

    def reveal(self):
        return self._v

    def __repr__(self):
        return "<secret>"

    __str__ = __repr__


class Failure(Exception):
    """One account failed; never holds a password."""


class ConfigError(Exception):
    pass


# Tests: sleeps are virtual, logged to this file.
VCLOCK = os.environ.get("ACCOUNTS_VIRTUAL_CLOCK")
_vtime = [0.0]


def now():
    return _vtime[0] if VCLOCK else time.monotonic()


def sleep(s):
    if not VCLOCK:
        return time.sleep(s)
    _vtime[0] += s
    with open(VCLOCK, "a") as f:
        f.write("%g\n" % s)


def err(message):
    print("%s: %s" % (PROG, message), file=sys.stderr, flush=True)


def password_problem(v):
    """Why OpenLIT's createNewUser would refuse it."""
    n = len(v.encode("utf-16-le")) // 2  # as JavaScript counts: UTF-16 units
    return ", ".join(w for bad, w in (
        (n < 8, "is shorter than 8 characters"), (n > 128, "is longer than 128 characters"),
        (not re.search("[A-Z]", v), "has no upper-case letter (A-Z)"),
        (not re.search("[a-z]", v), "has no lower-case letter (a-z)"),
        (not re.search("[0-9]", v), "has no digit (0-9)")) if bad) or None


_ssm = {}


def ssm_get(ref):
    """(Secret value, version) of SSM parameter ref (name[:version])."""
    if ref not in _ssm:
        def fail(why):
            return Failure("cannot read SSM parameter %s: %s" % (ref, why))
        try:
            p = subprocess.run(["aws", "ssm", "get-parameter", "--region", REGION, "--name", ref, "--with-decryption",
                                "--query", "Parameter.[Value,Version]", "--output", "json"], stdin=subprocess.DEVNULL,
                               capture_output=True, env=dict(os.environ, AWS_PAGER=""), timeout=120)
        except FileNotFoundError:
            raise fail("the aws CLI is not on PATH") from None
        except subprocess.TimeoutExpired:
            raise fail("aws did not answer within 120 s") from None
        if p.returncode:
            raise fail((p.stderr.decode("utf-8", "replace").strip().splitlines() or ["aws exited %d" % p.returncode])[-1])
        try:
            v, n = json.loads(p.stdout)
            if not isinstance(v, str) or type(n) is not int:
                raise ValueError
        except (ValueError, TypeError):  # not shown: the text could quote the value
            raise fail("aws printed something other than [value, version]") from None
        _ssm[ref] = Secret(v), n
    return _ssm[ref]


class _Policy(http.cookiejar.DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request):  # to the local http port too
        return True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


class Session:
    """Own cookies, no proxy, no redirects, X-Forwarded-Proto on every request."""

    def __init__(self):
        u = urllib.parse.urlsplit(URL)
        self.origin = "%s://%s" % (u.scheme, u.netloc)
        self.jar = http.cookiejar.CookieJar(_Policy())
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, method, path, data=None, headers={}, timeout=20):
        req = urllib.request.Request(URL + path, data, dict(headers, **{"X-Forwarded-Proto": PROTO}), method=method)
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.request.HTTPError as e:
            with e:
                return e.code, e.read()
        except (OSError, http.client.HTTPException) as e:
            why = getattr(e, "reason", 0) or "%s: %s" % (type(e).__name__, e)  # URLError: its reason
            raise Failure("%s %s: %s" % (method, path, why)) from None

    def sign_in(self, provider, email, pw):
        """Credentials sign-in ("login" or "register"); True if it worked."""
        status, body = self.request("GET", "/api/auth/csrf")
        try:
            token = json.loads(body)["csrfToken"]
        except (ValueError, KeyError, TypeError):
            token = None
        if status != 200 or not isinstance(token, str):
            raise Failure("GET /api/auth/csrf answered HTTP %d without a csrfToken" % status)
        form = urllib.parse.urlencode({"csrfToken": token, "email": email, "password": pw.reveal(), "json": "true"})
        path = "/api/auth/callback/" + provider
        status, _ = self.request("POST", path, form.encode(), {"Content-Type": "application/x-www-form-urlencoded"})
        if status >= 500:
            raise Failure("POST %s answered HTTP %d" % (path, status))

        # chunked cookies are named <name>.0, .1, ...
        got = {p for p in COOKIE for c in self.jar if (c.name + ".").startswith(COOKIE[p] + ".")}
        if got == {"http", "https"} - {PROTO}:
            other, = got
            raise Failure("OpenLIT set its session cookie as %s, not %s as FORWARDED_PROTO=%s expects: set "
                          "AUTH_TRUST_HOST=true on the openlit container, or FORWARDED_PROTO=%s if OpenLIT's "
                          "NEXTAUTH_URL is %s://..." % (COOKIE[other], COOKIE[PROTO], PROTO, other, other))
        return PROTO in got

    def call(self, path, payload=None, secrets=(), ok=(200,)):
        """GET, or POST JSON with Origin (OpenLIT's CSRF check); (status, JSON or None)."""
        method, data, headers = ("GET", None, {}) if payload is None else (
            "POST", json.dumps(payload).encode(), {"Content-Type": "application/json", "Origin": self.origin})
        status, body = self.request(method, path, data, headers)
        if status not in ok:
            text = body.decode("utf-8", "replace").strip()[:200]
            if any(s.reveal() and s.reveal() in text for s in secrets):
                text = ""
            raise Failure("%s %s answered HTTP %d%s%s" % (method, path, status, text and ": " + text, status == 401 and
                          " (session cookie refused: FORWARDED_PROTO is %s; it must be https exactly when OpenLIT's "
                          "NEXTAUTH_URL is https://...)" % PROTO or ""))
        try:
            return status, json.loads(body)
        except ValueError:
            return status, None


def login(email, pw):
    s = Session()
    return s if s.sign_in("login", email, pw) else None


def wait_for_openlit(wait):
    deadline, attempts = now() + wait, 0
    while True:
        attempts += 1
        try:
            status, _ = Session().request("GET", "/api/auth/csrf", timeout=5)
            if status == 200:
                return
            last = "HTTP %d" % status
        except Failure as e:
            last = str(e)
        left = deadline - now()
        if left <= 0:
            raise Failure("OpenLIT at %s did not answer GET /api/auth/csrf with HTTP 200 within %d s (%d attempts, "
                          "last: %s). Is it running? systemctl status openlit; docker logs openlit-openlit-1"
                          % (URL, wait, attempts, last))
        if attempts == 1:
            err("waiting up to %d s for OpenLIT at %s (%s)" % (wait, URL, last))
        sleep(min(5, left))


class Account:
    password = version = error = None

    def __init__(self, kind, email, parameter, index, state_dir):
        self.kind, self.email, self.parameter, self.index = kind, email, parameter, index
        self.state_file = os.path.join(state_dir, hashlib.sha256(email.encode()).hexdigest() + ".version")

    def __str__(self):
        return "%s %s" % (self.kind, self.email)

    def recorded(self):
        try:
            with open(self.state_file) as f:
                return int(f.read())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            err("ignoring unreadable state file %s (%s)" % (self.state_file, type(e).__name__))

    def record(self):
        tmp = "%s.tmp.%d" % (self.state_file, os.getpid())
        with open(tmp, "w") as f:  # 0600: umask 077
            f.write("%d\n" % self.version)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.state_file)


def previous_passwords(a, recorded):
    """([(Secret, label)] to try, best first; why an old version is unreadable)"""
    found, note = {}, ""
    if recorded is not None and recorded < a.version:
        try:
            v = ssm_get("%s:%d" % (a.parameter, recorded))[0].reveal()
            old = [v] if a.index is None else v.split(",")
            i = a.index or 0
            for p in old[i:i + 1] + old:  # same position first, then others (DEMO_EMAILS reordered)
                found.setdefault(p, "version %d" % recorded)
        except Failure as e:
            note = " (%s)" % e
    if a.kind == "owner":
        found.setdefault(PUBLISHED, "the published default")
    found.pop(a.password.reveal(), None)
    return [(Secret(p), label) for p, label in found.items()], note


class OwnerOrg:
    """The owner's current organisation, which every demo account joins."""
    session = org = None
    error = "the owner account failed (see above)"

    def get(self):
        if self.org is None:
            if self.session is None:
                raise Failure(self.error)
            orgs = self.session.call("/api/organisation")[1]
            current = [o for o in orgs if isinstance(o, dict) and o.get("isCurrent") is True
                       and isinstance(o.get("id"), str)] if isinstance(orgs, list) else []
            if not current:
                self.session = None
                self.error = "the owner has no current organisation in OpenLIT: log in as it, choose one, " + AGAIN
                raise Failure(self.error)
            self.org = current[0]
        return self.org

    def label(self):
        return "organisation %s" % (self.get().get("name") or self.org["id"])

    def path(self, fmt):
        return fmt % urllib.parse.quote(self.get()["id"], safe="")

    def add(self, email):
        path = self.path("/api/organisation/%s/invite")
        status, res = self.session.call(path, {"emails": [email]}, ok=(200, 207))
        mine = [r for r in res if isinstance(r, dict) and r.get("email") == email] if isinstance(res, list) else []
        if not mine:
            raise Failure("POST %s as the owner answered HTTP %d without a result for %s" % (path, status, email))
        error = mine[0].get("error")
        if error and error not in ALREADY:
            raise Failure("POST %s as the owner refused %s: %s" % (path, email, error))


def join_org(s, email, owner, fresh=False):
    """Joins the owner's organisation (current if none), onboarded; returns what was done."""
    org, done, label = owner.get(), [], owner.label()

    def step(do, did, would):
        if not DRY:
            do()
        if not fresh:
            done.append(would if DRY else did)
    orgs = s.call("/api/organisation")[1]
    orgs = [o for o in orgs if isinstance(o, dict)] if isinstance(orgs, list) else []
    if not any(o.get("id") == org["id"] for o in orgs):
        step(lambda: owner.add(email), "added to " + label, "would add it to " + label)
    if fresh or not any(o.get("isCurrent") is True for o in orgs):
        step(lambda: s.call(owner.path("/api/organisation/current/%s"), {}),
             "made %s its current organisation" % label, "would make %s its current organisation" % label)
    profile = {} if fresh else s.call("/api/user/profile")[1]
    if fresh or isinstance(profile, dict) and profile.get("hasCompletedOnboarding") is False:
        step(lambda: s.call("/api/user/complete-onboarding", {}), "onboarding completed", "would complete onboarding")
    return done


def reconcile(a, owner):
    pw, recorded = a.password, a.recorded()

    def record():
        if not DRY and recorded != a.version:
            a.record()

    def verify():
        s = login(a.email, pw)
        if not s:
            raise Failure("OpenLIT accepted the change but login with %s version %d still fails; %s"
                          % (a.parameter, a.version, AGAIN))
        return s

    def joined(done, f):
        try:
            return f()
        except Failure as e:
            raise Failure("%s, but it could not be made a member of the owner's organisation: %s. Fix that, %s"
                          % (done, e, AGAIN)) from None

    def finish(done, s):
        if a.kind == "owner":
            owner.session = s
            return done
        return "; ".join([done] + joined(done, lambda: join_org(s, a.email, owner)))

    s = login(a.email, pw)
    if s:
        record()
        return finish("unchanged", s)
    candidates, note = previous_passwords(a, recorded)
    for old, label in candidates:
        s = login(a.email, old)
        if s:
            rekey = label == "the published default"
            if DRY:
                return finish("would " + ("re-key from the published default" if rekey else "update the password"), s)
            s.call("/api/user/profile", {"currentPassword": old.reveal(), "newPassword": pw.reveal()}, (old, pw),
                   range(200, 300))
            s = verify()
            record()
            return finish("re-keyed from the published default" if rekey else "password updated", s)

    tried = "%s version %d%s%s" % (a.parameter, a.version, "".join(" nor with " + t for t in dict.fromkeys(
        label for _, label in candidates)), note)
    fix = "(or write the version it was set from to %s%s), " + AGAIN
    if a.kind == "owner":
        raise Failure(("login works neither with %s: the account has a password this instance never set. Log in as it "
                       "and change its password to the value of %s " + fix + ". Never delete this user: OpenLIT would "
                       "re-create it with the published default.") % (tried, a.parameter, a.state_file, ""))
    try:
        owner.get()  # no account without the organisation it is for
    except Failure as e:
        raise Failure("not created: it would not be a member of the owner's organisation: %s" % e) from None
    if DRY:
        return "would create"
    s = Session()
    # Registered, then added: an existing account with an unknown password never joins.
    if not s.sign_in("register", a.email, pw):
        raise Failure(("exists with a password this instance never set (login works neither with %s, and registering "
                       "it was refused). Log in as it and change its password to its entry in %s " + fix + ".") % (
                          tried, a.parameter, a.state_file, ", or delete the user in OpenLIT so that it is re-created"))
    joined("created", lambda: (owner.add(a.email), join_org(s, a.email, owner, True)))
    verify()
    record()
    return "created"


def split_emails(text):
    given = [e.strip() for e in text.split(",")] if text.strip() else []
    for e in given:
        if not EMAIL_RE.match(e):
            raise ConfigError("DEMO_EMAILS has an invalid entry %r: give comma-separated ASCII e-mail addresses" % e)
    first = {}
    for e in given:
        same = first.get(e.lower())
        if same:
            raise ConfigError("DEMO_EMAILS lists " + ("%s more than once" % e if same == e else
                              "%s and %s: the same account (OpenLIT ignores case in e-mails)" % (same, e)))
        first[e.lower()] = e
    return list(first)


def main(argv):
    global URL, REGION, PROTO, DRY
    parser = argparse.ArgumentParser(prog=PROG, description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="log in and print what would be done, changing nothing")
    DRY = parser.parse_args(argv).dry_run
    os.umask(0o077)

    def env(k, default=""):
        return os.environ.get(k, "").strip() or default
    state_dir = env("STATE_DIR", "/var/lib/openlit/accounts")
    try:
        missing = [k for k in ("OPENLIT_URL", "AWS_REGION", "OWNER_PASSWORD_PARAMETER") if not env(k)]
        if missing:
            raise ConfigError("set %s in the environment (see --help)" % ", ".join(missing))
        URL, REGION, PROTO = env("OPENLIT_URL").rstrip("/"), env("AWS_REGION"), env("FORWARDED_PROTO", "http")
        owner_email = env("OWNER_EMAIL", "user@openlit.io").lower()
        emails = split_emails(os.environ.get("DEMO_EMAILS", ""))
        demo_parameter, wait = env("DEMO_PASSWORDS_PARAMETER"), env("WAIT_SECONDS", "600")
        for bad, message in (
                (urllib.parse.urlsplit(URL).scheme not in COOKIE,
                 "OPENLIT_URL must start with http:// or https://, got %r" % URL),
                (owner_email in emails,
                 "DEMO_EMAILS lists the owner %s (e-mails are compared ignoring case)" % owner_email),
                (PROTO not in COOKIE, "FORWARDED_PROTO must be http or https (https exactly when OpenLIT's NEXTAUTH_URL "
                                      "is https://...), got %r" % PROTO),
                (emails and not demo_parameter, "DEMO_EMAILS is set but DEMO_PASSWORDS_PARAMETER is empty"),
                (not wait.isdigit(), "WAIT_SECONDS must be a whole number of seconds, got %r" % wait)):
            if bad:
                raise ConfigError(message)
        if not DRY:
            os.makedirs(state_dir, mode=0o700, exist_ok=True)
            os.chmod(state_dir, 0o700)
            # one run at a time; released on exit
            fcntl.flock(os.open(state_dir, os.O_RDONLY), fcntl.LOCK_EX)
    except ConfigError as e:
        err(str(e))
        return 2
    except OSError as e:
        err("cannot use STATE_DIR %s: %s" % (state_dir, e.strerror or e))
        return 2

    owner = Account("owner", owner_email, env("OWNER_PASSWORD_PARAMETER"), None, state_dir)
    demos = [Account("demo", e, demo_parameter, i, state_dir) for i, e in enumerate(emails)]
    accounts = [owner] + demos
    # Read and check every password before talking to OpenLIT.
    try:
        owner.password, owner.version = ssm_get(owner.parameter)
    except Failure as e:
        owner.error = str(e)
    if demos:
        try:
            value, version = ssm_get(demo_parameter)
            passwords = value.reveal().split(",")
            if len(passwords) != len(demos):
                raise Failure("DEMO_EMAILS has %d e-mails but %s version %d holds %d comma-separated passwords: "
                              "give one password per e-mail, in the same order"
                              % (len(demos), demo_parameter, version, len(passwords)))
            for d, p in zip(demos, passwords):
                d.password, d.version = Secret(p), version
        except Failure as e:
            for d in demos:
                d.error = str(e)
    failed = 0
    for a in accounts:
        problem = a.error is None and password_problem(a.password.reveal())
        if problem:
            a.error = ("its password (%s version %d%s) breaks OpenLIT's password rule: it %s. Nothing was sent to "
                       "OpenLIT for this account: put a valid password in the parameter"
                       % (a.parameter, a.version, "" if a.index is None else ", entry %d" % (a.index + 1), problem))
        if a.error:
            err("%s: %s" % (a, a.error))
            failed += 1
    if failed < len(accounts):
        try:
            wait_for_openlit(int(wait))
        except Failure as e:
            err(str(e))
            return 3
    owner_org = OwnerOrg()
    for a in accounts:
        if not a.error:
            try:
                print("%s: %s" % (a, reconcile(a, owner_org)), flush=True)
            except Failure as e:
                err("%s: %s" % (a, e))
                failed += 1
            except OSError as e:  # the state file
                err("%s: cannot write %s: %s" % (a, a.state_file, e.strerror or type(e).__name__))
                failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as e:  # a bug: no text or traceback, which could quote a password
        err("internal error: %s at line %d (details hidden: they could contain a password)"
            % (type(e).__name__, traceback.extract_tb(e.__traceback__)[-1].lineno))
        sys.exit(1)
