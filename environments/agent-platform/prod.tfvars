# agent-platform-prod: the document's Option B ("recommended for 200+ users"): two t3.large app servers (up to
# three as load asks), db.t3.medium RDS PostgreSQL, cache.t3.micro, ChromaDB on a t4g.medium, an Application Load
# Balancer over HTTPS, S3 for uploads, one NAT gateway per zone. No secret here.
aws_region  = "us-east-1"
environment = "prod"

domain_name      = "agent.example.com"
hosted_zone_name = "example.com"

image_tag = "CHANGE_ME"

# App servers (Option B) and how they scale
instance_type      = "t3.large"
app_min_size       = 2
app_max_size       = 3
scaling_cpu_target = 60

# The backend's settings (the document's .env)
db_pool_size    = 20
db_max_overflow = 10
redis_db        = 0
log_level       = "INFO"

db_instance_class = "db.t3.medium"
cache_node_type   = "cache.t3.micro"

alarm_email      = "ops@example.com"
budget_limit_usd = 500
budget_emails    = ["finance@example.com", "ops@example.com"]
