//! Findings dumps: what `aws inspector2 list-findings` writes (an object with a `findings` array), a bare array
//! of findings, or several of these one after the other (pages saved in a row).

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::FindingsError;
use crate::finding::Finding;

/// One document of a dump: its findings.
struct Page(Vec<Finding>);

impl<'de> Deserialize<'de> for Page {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PageVisitor)
    }
}

struct PageVisitor;

impl<'de> Visitor<'de> for PageVisitor {
    type Value = Page;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of findings or an object with a `findings` array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Page, A::Error> {
        Vec::<Finding>::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Page)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page, A::Error> {
        let mut findings = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "findings" {
                if findings.is_some() {
                    return Err(de::Error::duplicate_field("findings"));
                }
                findings = Some(map.next_value::<Vec<Finding>>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        findings.map(Page).ok_or_else(|| de::Error::missing_field("findings"))
    }
}

/// Reads every finding of a dump. An empty input is an error: a gate must not pass an image because a file
/// was truncated to nothing.
pub fn parse_findings(input: &[u8]) -> Result<Vec<Finding>, FindingsError> {
    let mut stream = serde_json::Deserializer::from_slice(input).into_iter::<Page>();
    let mut findings = Vec::new();
    let mut documents = 0;
    loop {
        let start = stream.byte_offset();
        match stream.next() {
            None => break,
            Some(Ok(Page(page))) => {
                documents += 1;
                findings.extend(page);
            }
            Some(Err(e)) => return Err(locate(input, start, documents + 1, &e)),
        }
    }
    if documents == 0 {
        return Err(FindingsError::Json {
            document: 1,
            line: 1,
            column: 1,
            path: "$".into(),
            message: "no findings document: the input is empty".into(),
        });
    }
    Ok(findings)
}

/// The fast stream parser knows the line and column of an error but not the JSON path; the failed document
/// is read again, on the error path only, to name the path.
fn locate(input: &[u8], start: usize, document: usize, e: &serde_json::Error) -> FindingsError {
    let rest = &input[start.min(input.len())..];
    let mut de = serde_json::Deserializer::from_slice(rest);
    let path = match serde_path_to_error::deserialize::<_, Page>(&mut de) {
        Err(pe) => pe.path().to_string(),
        Ok(_) => ".".to_owned(),
    };
    let message = e.to_string();
    // serde_json appends " at line L column C"; the location is reported in its own fields.
    let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
    FindingsError::Json {
        document,
        line: e.line(),
        column: e.column(),
        path: if path == "." { "$".to_owned() } else { format!("$.{path}") },
        message,
    }
}

/// The distinct repositories the findings name.
pub fn repositories(findings: &[Finding]) -> BTreeSet<&str> {
    findings.iter().filter_map(|f| f.repository.as_deref()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_findings_output_bare_arrays_and_concatenated_pages() {
        let one = r#"{"findings": [{"findingArn": "a", "severity": "HIGH"}], "nextToken": "x"}"#;
        let two = r#"[{"findingArn": "b"}, {"findingArn": "c", "severity": "LOW"}]"#;
        let all = parse_findings(format!("{one}\n{two}\n{one}").as_bytes()).unwrap();
        let ids: Vec<_> = all.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c", "a"]);
        assert!(parse_findings(br#"{"findings": []}"#).unwrap().is_empty());
    }

    #[test]
    fn errors_name_document_line_column_and_path() {
        let input = "{\"findings\": []}\n{\"findings\": [\n {\"severity\": \"HIGH\"},\n {\"severity\": 7}\n]}";
        let err = parse_findings(input.as_bytes()).unwrap_err();
        let FindingsError::Json { document, line, path, .. } = &err else { panic!("{err:?}") };
        assert_eq!((*document, *line), (2, 4));
        assert_eq!(path, "$.findings[1].severity");
        assert!(err.to_string().contains("line 4"), "{err}");
    }

    #[test]
    fn object_without_findings_empty_input_and_scalars_are_errors() {
        let no_key = parse_findings(br#"{"items": []}"#).unwrap_err().to_string();
        assert!(no_key.contains("findings"), "{no_key}");
        assert!(parse_findings(b"   \n").is_err());
        assert!(parse_findings(b"42").is_err());
        assert!(parse_findings(b"[] trailing").is_err());
    }
}
