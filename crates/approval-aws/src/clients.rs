//! One `aws_config` load for every client: the credential chain, region and endpoint overrides
//! (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_CODEPIPELINE`, …) are resolved once, at init.

/// The SDK clients the gate uses, sharing one configuration.
#[derive(Clone, Debug)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub inspector: aws_sdk_inspector2::Client,
    pub codepipeline: aws_sdk_codepipeline::Client,
}

impl AwsClients {
    /// Loads the shared configuration from the environment (as the default credential chain does).
    pub async fn from_env() -> Self {
        let config = aws_config::load_from_env().await;
        Self::from_config(&config)
    }

    pub fn from_config(config: &aws_config::SdkConfig) -> Self {
        AwsClients {
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            inspector: aws_sdk_inspector2::Client::new(config),
            codepipeline: aws_sdk_codepipeline::Client::new(config),
        }
    }
}
