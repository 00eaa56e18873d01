# openlit-demo: the RFC's client-demo environment (t4g.small, about $20/month).
# Secrets are not here: export TF_VAR_clickhouse_password (and TF_VAR_demo_passwords), or put them in
# environments/demo.secrets.tfvars (git-ignored). See terraform.tfvars.example for every variable.

# Infrastructure
aws_region        = "us-east-1"
environment       = "demo"
instance_type     = "t4g.small"
key_pair_name     = "" # empty: no SSH port; use Session Manager (see the ssh_command output)
allowed_cidr      = "203.0.113.10/32" # CHANGE_ME: your IP, e.g. $(curl -s https://checkip.amazonaws.com)/32
availability_zone = "us-east-1a"      # fixed, so the data volume never moves

# Container configuration: empty ecr_repository runs OpenLIT's public image
aws_account_id = ""
ecr_repository = ""
image_tag      = ""

# ClickHouse Cloud (placeholder host)
clickhouse_host     = "https://change-me.us-east-1.aws.clickhouse.cloud"
clickhouse_port     = "8443"
clickhouse_database = "openlit"
clickhouse_username = "default"

# OpenTelemetry Collector -> ClickHouse native protocol over TLS
otel_host   = "change-me.us-east-1.aws.clickhouse.cloud"
otel_port   = "9440"
otel_secure = true

# Demo accounts (passwords go in the secrets file, one per e-mail, same order)
demo_emails = "demo@example.com,sales@example.com"
