//! Validated identifiers: an image digest, an approval token, pipeline/stage/action names and a repository
//! name. Each is only constructible through a check, so code that holds one never re-validates it.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::IdError;

/// A container image digest, `sha256:` followed by 64 lowercase hex digits (the form ECR and Inspector use).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageDigest(String);

impl ImageDigest {
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let hex = text
            .strip_prefix("sha256:")
            .ok_or_else(|| IdError::Digest { value: shorten(text), why: "it must start with `sha256:`" })?;
        if hex.len() != 64 {
            return Err(IdError::Digest {
                value: shorten(text),
                why: "it must have exactly 64 hex digits after `sha256:`",
            });
        }
        if !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(IdError::Digest { value: shorten(text), why: "its hex digits must be 0-9 or lowercase a-f" });
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 12 hex digits, as `docker images` shows them: enough to tell images apart in a log line.
    pub fn short(&self) -> &str {
        &self.0[7..19]
    }
}

/// A CodePipeline approval token. PutApprovalResult only accepts a lowercase UUID, so anything else is refused
/// on arrival instead of failing days later at decision time.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ApprovalToken(String);

impl ApprovalToken {
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let groups: Vec<&str> = text.split('-').collect();
        let lengths_ok = groups.len() == 5 && groups.iter().map(|g| g.len()).eq([8usize, 4, 4, 4, 12]);
        let digits_ok = groups.iter().all(|g| g.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
        if lengths_ok && digits_ok {
            Ok(Self(text.to_owned()))
        } else {
            // The value itself is a secret-ish capability: the error names only its length.
            Err(IdError::Token { len: text.len() })
        }
    }

    /// The whole token, for the one place that needs it: the PutApprovalResult call and the store.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A prefix that is safe to log: enough to correlate, useless to answer the approval with.
    pub fn prefix(&self) -> &str {
        &self.0[..8]
    }
}

impl fmt::Debug for ApprovalToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApprovalToken({}…)", self.prefix())
    }
}

/// Which CodePipeline name a [`PipelineName`]-like value is, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Pipeline,
    Stage,
    Action,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Pipeline => "pipeline name",
            NameKind::Stage => "stage name",
            NameKind::Action => "action name",
        })
    }
}

fn check_codepipeline_name(kind: NameKind, text: &str) -> Result<(), IdError> {
    let ok_chars = text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'@' | b'-' | b'_'));
    if (1..=100).contains(&text.len()) && ok_chars { Ok(()) } else { Err(IdError::Name { kind, value: shorten(text) }) }
}

macro_rules! codepipeline_name {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Result<Self, IdError> {
                check_codepipeline_name($kind, text)?;
                Ok(Self(text.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

codepipeline_name!(
    /// A pipeline name: 1–100 characters of `[A-Za-z0-9.@\-_]`, as CodePipeline requires.
    PipelineName,
    NameKind::Pipeline
);
codepipeline_name!(
    /// A stage name, with the same rules as a pipeline name.
    StageName,
    NameKind::Stage
);
codepipeline_name!(
    /// An action name, with the same rules as a pipeline name.
    ActionName,
    NameKind::Action
);

/// An ECR repository name (`team/web`), never its ARN. Inspector's scan events carry the ARN; the policy's
/// globs are written against the name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepositoryName(String);

impl RepositoryName {
    /// Accepts a plain name or an ECR repository ARN (`arn:aws:ecr:REGION:ACCOUNT:repository/NAME`).
    pub fn parse(text: &str) -> Result<Self, IdError> {
        if text.starts_with("arn:") {
            return Self::from_arn(text);
        }
        Self::from_name(text)
    }

    /// Takes the name out of an ECR repository ARN; an ARN of another service is refused.
    pub fn from_arn(arn: &str) -> Result<Self, IdError> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        match parts.as_slice() {
            ["arn", _partition, "ecr", _region, _account, resource] => {
                let name = resource.strip_prefix("repository/").ok_or_else(|| IdError::Repository {
                    value: shorten(arn),
                    why: "an ECR ARN must name a `repository/…` resource",
                })?;
                Self::from_name(name)
            }
            _ => Err(IdError::Repository {
                value: shorten(arn),
                why: "it is not an ECR repository ARN (arn:aws:ecr:REGION:ACCOUNT:repository/NAME)",
            }),
        }
    }

    fn from_name(name: &str) -> Result<Self, IdError> {
        // ECR: 2–256 characters, lowercase letters, digits and `._-/`, starting with a letter or digit.
        let ok = (2..=256).contains(&name.len())
            && name.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-' | b'/'));
        if ok {
            Ok(Self(name.to_owned()))
        } else {
            Err(IdError::Repository {
                value: shorten(name),
                why: "an ECR repository name is 2-256 characters of a-z, 0-9, `.`, `_`, `-`, `/`",
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An image as Inspector names it: repository and digest. ECR resource ids look like
/// `arn:aws:ecr:REGION:ACCOUNT:repository/NAME/sha256:HEX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub repository: RepositoryName,
    pub digest: ImageDigest,
}

impl ImageRef {
    pub fn from_resource_id(id: &str) -> Result<Self, IdError> {
        let (repo_arn, digest) = id.rsplit_once("/sha256:").ok_or_else(|| IdError::Repository {
            value: shorten(id),
            why: "an ECR image resource id ends in `/sha256:<digest>`",
        })?;
        Ok(Self {
            repository: RepositoryName::from_arn(repo_arn)?,
            digest: ImageDigest::parse(&format!("sha256:{digest}"))?,
        })
    }
}

/// Error messages quote the offending value, but never an unbounded one.
fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

macro_rules! string_serde {
    ($($name:ident => $get:ident),*) => {$(
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.$get())
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<str>::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.$get())
            }
        }
    )*};
}

string_serde!(
    ImageDigest => as_str,
    PipelineName => as_str,
    StageName => as_str,
    ActionName => as_str,
    RepositoryName => as_str
);

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "965fbcae990b0467ed5657caceaec165018ef44a4d2d46c7cdea80a9dff0d1ea";

    #[test]
    fn digest_accepts_sha256_with_64_lowercase_hex() {
        let d = ImageDigest::parse(&format!("sha256:{HEX}")).unwrap();
        assert_eq!(d.short(), "965fbcae990b");
    }

    #[test]
    fn digest_rejects_wrong_prefix_length_and_case() {
        for bad in [
            HEX.to_owned(),
            format!("sha512:{HEX}"),
            format!("sha256:{}", &HEX[1..]),
            format!("sha256:{HEX}0"),
            format!("sha256:{}", HEX.to_uppercase()),
            format!(" sha256:{HEX}"),
            String::new(),
        ] {
            assert!(ImageDigest::parse(&bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn token_must_be_a_lowercase_uuid_and_never_shows_in_debug() {
        let t = ApprovalToken::parse("3f2b9c1e-7d4a-4e8b-9a51-2c6d8e0f1a7b").unwrap();
        assert_eq!(t.prefix(), "3f2b9c1e");
        assert!(!format!("{t:?}").contains("2c6d8e0f1a7b"));
        for bad in [
            "1a2b3c4d-573f-4ea7-a67E-XAMPLETOKEN",
            "3F2B9C1E-7D4A-4E8B-9A51-2C6D8E0F1A7B",
            "3f2b9c1e7d4a4e8b9a512c6d8e0f1a7b",
            "3f2b9c1e-7d4a-4e8b-9a51-2c6d8e0f1a7b-00",
            "",
        ] {
            let err = ApprovalToken::parse(bad).unwrap_err().to_string();
            if !bad.is_empty() {
                assert!(!err.contains(bad), "the error quotes the token: {err}");
            }
        }
    }

    #[test]
    fn codepipeline_names_follow_the_api_pattern() {
        assert!(PipelineName::parse("My.Pipeline@v2_x-1").is_ok());
        assert!(StageName::parse(&"a".repeat(100)).is_ok());
        for bad in ["", "has space", "slash/no", &"a".repeat(101)] {
            let err = ActionName::parse(bad).unwrap_err();
            assert!(err.to_string().contains("action name"), "{err}");
        }
    }

    #[test]
    fn repository_from_name_or_arn() {
        let by_arn = RepositoryName::parse("arn:aws:ecr:us-east-1:111122223333:repository/team/web").unwrap();
        assert_eq!(by_arn.as_str(), "team/web");
        assert_eq!(
            RepositoryName::parse("inspector2").unwrap(),
            RepositoryName::parse("arn:aws-cn:ecr:cn-north-1:1:repository/inspector2").unwrap()
        );
        assert!(RepositoryName::parse("arn:aws:s3:::bucket").is_err());
        assert!(RepositoryName::parse("Upper").is_err());
        assert!(RepositoryName::parse("arn:aws:ecr:us-east-1:1:image/x").is_err());
    }

    #[test]
    fn image_ref_from_ecr_resource_id() {
        let r = ImageRef::from_resource_id(&format!(
            "arn:aws:ecr:us-west-2:111122223333:repository/inspector-workshop/sha256:{HEX}"
        ))
        .unwrap();
        assert_eq!(r.repository.as_str(), "inspector-workshop");
        assert_eq!(r.digest.as_str(), format!("sha256:{HEX}"));
        assert!(ImageRef::from_resource_id("i-087d63509b8c97098").is_err());
    }
}
