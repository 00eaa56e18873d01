# agent-platform-dev: the document's Option A, one larger app server (t3.xlarge) with a smaller database
# (db.t3.small), one cache node, ChromaDB on a t4g.small and one NAT gateway. No secret here: the database's
# password is created and rotated by RDS in Secrets Manager.
aws_region  = "us-east-1"
environment = "dev"

# HTTPS needs a domain in a Route 53 zone (or certificate_arn). Without one, try it over plain HTTP:
domain_name      = ""
hosted_zone_name = ""
allow_http_only  = true # dev only: set domain_name and hosted_zone_name and remove this line for HTTPS

# The images: push the backend and the frontend with this tag to the repositories in ecr_repository_urls
image_tag = "CHANGE_ME"

# The backend's settings (the document's .env)
db_pool_size    = 20
db_max_overflow = 10
redis_db        = 0
log_level       = "DEBUG"

# Cost guard: e-mails at 80 % and 100 % of the document's $500 a month
budget_limit_usd = 500
budget_emails    = []
