# openlit-staging: same shape as demo, more memory and a larger data volume.
# Secrets: TF_VAR_clickhouse_password / TF_VAR_demo_passwords, or environments/staging.secrets.tfvars (git-ignored).

aws_region        = "us-east-1"
environment       = "staging"
instance_type     = "t4g.medium"
key_pair_name     = ""
allowed_cidr      = "203.0.113.0/24" # CHANGE_ME: your office or VPN range
availability_zone = "us-east-1b"

aws_account_id = ""
ecr_repository = "" # e.g. "openlit" after scripts/build-and-push.sh
image_tag      = ""

clickhouse_host     = "https://change-me-staging.us-east-1.aws.clickhouse.cloud"
clickhouse_port     = "8443"
clickhouse_database = "openlit"
clickhouse_username = "default"

otel_host   = "change-me-staging.us-east-1.aws.clickhouse.cloud"
otel_port   = "9440"
otel_secure = true

demo_emails         = ""
data_volume_size    = 20
detailed_monitoring = true
