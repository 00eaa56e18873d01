# h3-pipeline-dev: smaller (one to two tasks of 1 vCPU / 2 GB, one NAT gateway) and on ClickHouse Cloud.
# The ClickHouse password is not here: export TF_VAR_clickhouse_password (the ClickHouse Cloud service's password;
# docs/h3-pipeline.md).
aws_region  = "us-east-1"
environment = "dev"

# HTTPS needs a domain in a Route 53 zone (or certificate_arn). Without one, try it over plain HTTP:
domain_name      = ""
hosted_zone_name = ""
allow_http_only  = true # dev only: set domain_name and hosted_zone_name and remove this line for HTTPS

# The image: push it to ecr_repository_url with this tag
image_tag = "CHANGE_ME"

# ClickHouse Cloud (the document's option B): the service's connection details
clickhouse_deployment = "cloud"
clickhouse_host     = "change-me.us-east-1.aws.clickhouse.cloud" # CHANGE_ME: the service's host
clickhouse_port     = 9440
clickhouse_user     = "default"
clickhouse_database = "default"
