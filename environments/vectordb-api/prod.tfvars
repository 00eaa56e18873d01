# vectordb-api-prod: the document's production plan (t3.large, 100 GB of CSV scratch, HTTPS, two NAT gateways).
# The API keys are not here: export TF_VAR_api_key, TF_VAR_openai_api_key, TF_VAR_pinecone_api_key and
# TF_VAR_metabase_api_key, or put them in the secret after the first apply (docs/vectordb-api.md).
aws_region  = "us-east-1"
environment = "prod"

domain_name      = "api.example.com"
hosted_zone_name = "example.com"

ecr_repository = "vectordb-api"
image_tag      = "CHANGE_ME"

metabase_url        = "https://metabase.example.com"
pinecone_index_name = "vectors-prod"
pinecone_namespace  = "v2"

instance_type = "t3.large" # the document's minimum; m5.xlarge is its recommendation
alarm_email   = "ops@example.com"
