//! The approval table's schema, as `infra/template.yaml` declares it, for local setups and tests: on-demand,
//! `digest` (S) partition key, `sk` (S) sort key, TTL on `ttl`.

use approval_core::ports::PortError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TimeToLiveSpecification,
};

use super::sdk_error;

fn build_error(call: &str, e: aws_sdk_dynamodb::error::BuildError) -> PortError {
    PortError::new(call, format!("could not build the request: {e}"))
}

/// Creates the table and turns TTL on.
pub async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str) -> Result<(), PortError> {
    const CREATE: &str = "DynamoDB CreateTable";
    const TTL: &str = "DynamoDB UpdateTimeToLive";
    let key = |attribute: &str, kind: KeyType| {
        KeySchemaElement::builder().attribute_name(attribute).key_type(kind).build().map_err(|e| build_error(CREATE, e))
    };
    let string = |attribute: &str| {
        AttributeDefinition::builder()
            .attribute_name(attribute)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(|e| build_error(CREATE, e))
    };
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string("digest")?)
        .attribute_definitions(string("sk")?)
        .key_schema(key("digest", KeyType::Hash)?)
        .key_schema(key("sk", KeyType::Range)?)
        .send()
        .await
        .map_err(|e| sdk_error(CREATE, name, e))?;
    let ttl = TimeToLiveSpecification::builder()
        .attribute_name("ttl")
        .enabled(true)
        .build()
        .map_err(|e| build_error(TTL, e))?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(ttl)
        .send()
        .await
        .map_err(|e| sdk_error(TTL, name, e))?;
    Ok(())
}
