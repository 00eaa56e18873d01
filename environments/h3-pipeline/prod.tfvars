# h3-pipeline-prod: the document's production deployment: 2 to 20 tasks of 1 vCPU / 2 GB scaling at 70 % CPU and
# 80 % memory, HTTPS, one NAT gateway per zone, three self-hosted ClickHouse nodes.
aws_region  = "us-east-1"
environment = "prod"

domain_name      = "h3.example.com"
hosted_zone_name = "example.com"

image_tag = "CHANGE_ME"

# Service and autoscaling (the document's numbers)
task_cpu           = 1024
task_memory        = 2048
min_tasks          = 2
max_tasks          = 20
cpu_target         = 70
memory_target      = 80
scale_out_cooldown = 60
scale_in_cooldown  = 300
health_check_path  = "/health"

# ClickHouse: the document's option A, three self-hosted nodes (r6i.2xlarge, 1 TB gp3 each). Make the cluster's CA
# once with scripts/make-private-ca.sh, then export TF_VAR_clickhouse_ca_cert="$(cat ca.crt)",
# TF_VAR_clickhouse_ca_key="$(cat ca.key)" and TF_VAR_clickhouse_password (docs/h3-pipeline.md).
clickhouse_deployment      = "self-hosted"
clickhouse_instance_type   = "r6i.2xlarge"
clickhouse_volume_size     = 1000
clickhouse_volume_iops     = 3000
clickhouse_volume_throughput = 250
clickhouse_port            = 9440
clickhouse_user            = "default"
clickhouse_database        = "default"
clickhouse_backup_time     = "02:00"

alarm_email = "ops@example.com"
