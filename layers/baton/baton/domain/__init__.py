"""The domain: entities, rules and contracts. Pure: no boto3, no Powertools, no HTTP models; imports only itself."""
