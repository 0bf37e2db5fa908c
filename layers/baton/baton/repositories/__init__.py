"""DynamoDB adapters: the only code that knows key shapes, index names and AWS error codes."""
