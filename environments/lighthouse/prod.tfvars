# lighthouse-prod: the document's production environment (t4g.small on demand, 100 GB, backups, monitoring).
# Its terraform.tfvars, with example.com for its domain. Every variable: environments/lighthouse/terraform.tfvars.example.
aws_region = "us-east-1"

# Network (update with your VPC details)
vpc_name                    = "lighthouse-prod-vpc"
private_subnet_name         = "lighthouse-prod-private-subnet"
backend_security_group_name = "lighthouse-prod-backend-sg"

# Database
instance_type  = "t4g.small"
volume_size_gb = 100

# Secrets
db_password_secret_id = "lighthouse/prod/db/password"

# Backups
backup_s3_bucket = "lighthouse-backups-prod"

# Monitoring
alerts_sns_topic_name = "lighthouse-prod-alerts"

# DNS
domain_name = "example.com"

# SSH (restrict to VPN/bastion)
ssh_key_name            = "lighthouse-prod"
ssh_allowed_cidr_blocks = ["10.0.0.0/16"] # Internal only

environment = "prod"
