# lighthouse-dev: the document's development environment (t4g.micro spot, 20 GB, default VPC, ~$4/month).
# Its terraform.tfvars, unchanged. Every variable: environments/lighthouse/terraform.tfvars.example.
aws_region   = "us-east-1"
ssh_key_name = "lighthouse-dev" # Your SSH key name

environment = "dev"
