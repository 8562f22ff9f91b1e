//! The environment a function process starts with: what Lambda's execution environment sets, then the caller's
//! variables, then the address of this function's Runtime API.
//!
//! The harness's own environment is not inherited (a few variables excepted), as in Lambda: an inherited
//! `AWS_PROFILE` or credential would let a test reach a real account instead of the local emulators it meant.

use std::{
    collections::BTreeMap,
    ffi::{OsStr, OsString},
    net::SocketAddr,
    path::Path,
};

/// Variables taken from the harness's environment because they steer tooling, not the function. `RUST_LOG` and
/// `RUST_BACKTRACE` change what the function prints, so they come only from the caller: an inherited backtrace
/// would push a panic's message out of the output tail that errors show.
const PASSED_THROUGH: &[&str] = &[
    "PATH",
    // Coverage runs name each instrumented process's profile through this.
    "LLVM_PROFILE_FILE",
];

const DEFAULT_REGION: &str = "us-east-1";
/// The account id local emulators (LocalStack, moto) use by default, so ARNs agree with theirs.
const ACCOUNT_ID: &str = "000000000000";

pub(crate) struct LambdaEnvironment {
    pub(crate) vars: BTreeMap<OsString, OsString>,
    pub(crate) function_arn: String,
}

impl LambdaEnvironment {
    /// `inherited` looks a variable up in the harness's environment (a parameter so tests need not change it).
    pub(crate) fn new<K, V>(
        binary: &Path,
        caller: &[(K, V)],
        inherited: impl Fn(&str) -> Option<OsString>,
        runtime_api: SocketAddr,
    ) -> Self
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let caller: BTreeMap<OsString, OsString> =
            caller.iter().map(|(key, value)| (key.as_ref().to_owned(), value.as_ref().to_owned())).collect();
        let chosen = |name: &str| caller.get(OsStr::new(name)).map(|value| value.to_string_lossy().into_owned());
        let function_name = chosen("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|| {
            binary.file_name().map_or_else(|| "function".to_owned(), |name| name.to_string_lossy().into_owned())
        });
        let region = chosen("AWS_REGION").unwrap_or_else(|| DEFAULT_REGION.to_owned());

        let mut vars: BTreeMap<OsString, OsString> =
            PASSED_THROUGH.iter().filter_map(|name| Some((OsString::from(name), inherited(name)?))).collect();
        let lambda_defaults = [
            ("AWS_LAMBDA_FUNCTION_NAME", function_name.clone()),
            // lambda_runtime's Config::from_env panics without these three.
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{function_name}")),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "local/[$LATEST]lambda-harness".to_owned()),
            ("AWS_REGION", region.clone()),
            ("AWS_DEFAULT_REGION", region.clone()),
            ("LANG", "en_US.UTF-8".to_owned()),
            ("TZ", ":UTC".to_owned()),
        ];
        vars.extend(lambda_defaults.into_iter().map(|(name, value)| (name.into(), value.into())));
        vars.extend(caller);
        // Last, so a caller's stray AWS_LAMBDA_RUNTIME_API cannot point the function away from this harness.
        vars.insert("AWS_LAMBDA_RUNTIME_API".into(), runtime_api.to_string().into());

        Self { vars, function_arn: format!("arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function_name}") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const API: &str = "127.0.0.1:9001";

    fn environment(caller: &[(&str, &str)]) -> LambdaEnvironment {
        let inherited = |name: &str| match name {
            "PATH" => Some("/usr/bin".into()),
            "AWS_PROFILE" | "HOME" | "RUST_BACKTRACE" => Some("leak".into()),
            _ => None,
        };
        LambdaEnvironment::new(Path::new("/build/approval-decider"), caller, inherited, API.parse().unwrap())
    }

    fn var<'e>(environment: &'e LambdaEnvironment, name: &str) -> Option<&'e str> {
        environment.vars.get(OsStr::new(name)).and_then(|value| value.to_str())
    }

    #[test]
    fn defaults_are_what_lambda_sets_and_name_the_binary() {
        let environment = environment(&[]);

        assert_eq!(var(&environment, "AWS_LAMBDA_FUNCTION_NAME"), Some("approval-decider"));
        assert_eq!(var(&environment, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), Some("128"));
        assert_eq!(var(&environment, "AWS_LAMBDA_FUNCTION_VERSION"), Some("$LATEST"));
        assert_eq!(var(&environment, "AWS_LAMBDA_LOG_GROUP_NAME"), Some("/aws/lambda/approval-decider"));
        assert_eq!(var(&environment, "AWS_REGION"), Some("us-east-1"));
        assert_eq!(var(&environment, "AWS_LAMBDA_RUNTIME_API"), Some(API));
        assert_eq!(environment.function_arn, "arn:aws:lambda:us-east-1:000000000000:function:approval-decider");
    }

    #[test]
    fn the_callers_variables_win_and_shape_the_arn() {
        let environment = environment(&[("AWS_REGION", "eu-west-1"), ("AWS_LAMBDA_FUNCTION_NAME", "decider")]);

        assert_eq!(var(&environment, "AWS_DEFAULT_REGION"), Some("eu-west-1"));
        assert_eq!(var(&environment, "AWS_LAMBDA_LOG_GROUP_NAME"), Some("/aws/lambda/decider"));
        assert_eq!(environment.function_arn, "arn:aws:lambda:eu-west-1:000000000000:function:decider");
    }

    #[test]
    fn the_runtime_api_address_cannot_be_overridden() {
        let environment = environment(&[("AWS_LAMBDA_RUNTIME_API", "10.0.0.1:80")]);

        assert_eq!(var(&environment, "AWS_LAMBDA_RUNTIME_API"), Some(API));
    }

    #[test]
    fn only_tooling_variables_are_inherited() {
        let environment = environment(&[]);

        assert_eq!(var(&environment, "PATH"), Some("/usr/bin"));
        assert_eq!(var(&environment, "AWS_PROFILE"), None);
        assert_eq!(var(&environment, "HOME"), None);
        assert_eq!(var(&environment, "RUST_BACKTRACE"), None);
    }
}
