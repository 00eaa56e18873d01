# vectordb-api-dev: the document's shape, smaller (t3.medium, 20 GB of CSV scratch, one NAT gateway).
# The API keys are not here: export TF_VAR_api_key, TF_VAR_openai_api_key, TF_VAR_pinecone_api_key and
# TF_VAR_metabase_api_key, or put them in the secret after the first apply (docs/vectordb-api.md).
aws_region  = "us-east-1"
environment = "dev"

# HTTPS needs a domain in a Route 53 zone (or certificate_arn). Without one, try it over plain HTTP:
domain_name      = ""
hosted_zone_name = ""
allow_http_only  = true # dev only: set domain_name and hosted_zone_name and remove this line for HTTPS

# The image (scripts/build-and-push.sh pushes it and prints the tag)
ecr_repository = "vectordb-api"
image_tag      = "CHANGE_ME"

# The application (.env.production)
metabase_url        = "https://metabase.example.com"
pinecone_index_name = "vectors-dev"
pinecone_namespace  = "v2"
