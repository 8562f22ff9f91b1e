//! Deterministic, realistic Amazon Inspector findings for one container image, in the shape `ListFindings`
//! returns them (`shared/reference/aws-formats.md` §4.2): every finding a pure function of (seed, index), so a
//! dump is the same whatever its page count, on every machine.
//!
//! Shared by the `gen_findings` example and the `evaluate` benchmark (`#[path]`-included there).

use std::io::{self, Write};
use std::ops::Range;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};

/// What to write: `findings` findings over `pages` `ListFindings` outputs written one after the other.
#[derive(Debug, Clone, Copy)]
pub struct Dump {
    pub findings: usize,
    pub pages: usize,
    pub seed: u64,
    /// No whitespace; otherwise indented by four spaces as `aws inspector2 list-findings` writes it.
    pub compact: bool,
}

impl Dump {
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let pages = self.pages.max(1);
        for page in 0..pages {
            let range = self.findings * page / pages..self.findings * (page + 1) / pages;
            let next_token = (page + 1 < pages).then(|| next_token(self.seed, page));
            let page = Page { seed: self.seed, range, next_token };
            if self.compact {
                serde_json::to_writer(&mut *out, &page)?;
            } else {
                let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
                page.serialize(&mut serde_json::Serializer::with_formatter(&mut *out, formatter))?;
            }
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// One `ListFindings` output: `{"findings": [...], "nextToken": ...}`, its findings made while written.
struct Page {
    seed: u64,
    range: Range<usize>,
    next_token: Option<String>,
}

impl Serialize for Page {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("findings", &Findings { seed: self.seed, range: self.range.clone() })?;
        map.serialize_entry("nextToken", &self.next_token)?;
        map.end()
    }
}

struct Findings {
    seed: u64,
    range: Range<usize>,
}

impl Serialize for Findings {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.range.clone().map(|i| finding(self.seed, i)))
    }
}

fn next_token(seed: u64, page: usize) -> String {
    // Real tokens are long opaque base64; their length is what matters here.
    let mut rng = Rng::new(seed ^ 0x6e65_7874 ^ page as u64);
    (0..4).map(|_| rng.hex(48)).collect::<Vec<_>>().join("")
}

// ---- a tiny seeded PRNG (SplitMix64) --------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `range` (small ranges: the modulo bias does not matter here).
    fn between(&mut self, range: Range<u64>) -> u64 {
        range.start + self.next_u64() % (range.end - range.start)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.between(0..100) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.between(0..items.len() as u64) as usize]
    }

    /// An item chosen with the given weights.
    fn weighted<'a, T>(&mut self, items: &'a [(u64, T)]) -> &'a T {
        let mut roll = self.between(0..items.iter().map(|(w, _)| w).sum());
        for (weight, item) in items {
            if roll < *weight {
                return item;
            }
            roll -= weight;
        }
        unreachable!("roll is below the total weight")
    }

    fn hex(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from_digit(self.between(0..16) as u32, 16).unwrap()).collect()
    }
}

// ---- what a finding is made of --------------------------------------------------------------------------

const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-west-2";
const REPOSITORY: &str = "web/shop";
const IMAGE_HASH: &str = "sha256:965fbcae990b0467ed5657caceaec165018ef44a4d2d46c7cdea80a9dff0d1ea";
/// 2025-11-24T16:00:00Z, when the image was pushed and first scanned.
const PUSHED_AT: u64 = 1_764_000_000;
/// The allowlisted vulnerability of `examples/policy.toml`; one finding in 500 is about it.
const ALLOWLISTED: &str = "CVE-2023-4863";

/// A vulnerable package: name, installed version, package manager, file path (language packages only).
struct Package {
    name: &'static str,
    version: &'static str,
    manager: &'static str,
    path: Option<&'static str>,
}

const fn os(name: &'static str, version: &'static str) -> Package {
    Package { name, version, manager: "OS", path: None }
}

const fn lang(name: &'static str, version: &'static str, manager: &'static str, path: &'static str) -> Package {
    Package { name, version, manager, path: Some(path) }
}

const PACKAGES: &[Package] = &[
    os("openssl", "3.0.15"),
    os("libssl3", "3.0.15"),
    os("curl", "7.88.1"),
    os("libcurl4", "7.88.1"),
    os("zlib1g", "1:1.2.13.dfsg"),
    os("libc6", "2.36"),
    os("libc-bin", "2.36"),
    os("xz-utils", "5.4.1"),
    os("liblzma5", "5.4.1"),
    os("libxml2", "2.9.14+dfsg"),
    os("libexpat1", "2.5.0"),
    os("libsqlite3-0", "3.40.1"),
    os("perl-base", "5.36.0"),
    os("tar", "1.34+dfsg"),
    os("libwebp7", "1.2.4"),
    os("libncursesw6", "6.4"),
    os("libgnutls30", "3.7.9"),
    os("libkrb5-3", "1.20.1"),
    os("libsystemd0", "252.30"),
    os("libtiff6", "4.5.0"),
    lang("requests", "2.31.0", "PIP", "usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA"),
    lang("urllib3", "1.26.18", "PIP", "usr/local/lib/python3.11/site-packages/urllib3-1.26.18.dist-info/METADATA"),
    lang("jinja2", "3.1.2", "PIP", "usr/local/lib/python3.11/site-packages/Jinja2-3.1.2.dist-info/METADATA"),
    lang("com.fasterxml.jackson.core:jackson-databind", "2.13.4", "JAR", "app/lib/jackson-databind-2.13.4.jar"),
    lang("org.apache.logging.log4j:log4j-core", "2.17.0", "JAR", "app/lib/log4j-core-2.17.0.jar"),
    lang("lodash", "4.17.20", "NPM", "app/node_modules/lodash/package.json"),
    lang("express", "4.18.2", "NPM", "app/node_modules/express/package.json"),
    lang("golang.org/x/net", "v0.17.0", "GOBINARY", "usr/local/bin/server"),
    lang("stdlib", "go1.21.3", "GOBINARY", "usr/local/bin/server"),
];

const COMPONENTS: &[&str] = &[
    "The HTTP/2 protocol implementation",
    "A heap-based buffer overflow in the decoder",
    "An integer overflow in the length calculation",
    "A use-after-free in the connection cache",
    "Improper validation of certificate names",
    "An out-of-bounds read in the parser",
    "Uncontrolled recursion in the XML entity expansion",
    "A NULL pointer dereference in the ASN.1 decoder",
];

const FLAWS: &[&str] = &[
    "allows a remote attacker to cause a denial of service via a crafted request",
    "may allow a remote, unauthenticated attacker to execute arbitrary code via specially crafted input",
    "could lead to the disclosure of sensitive information from process memory",
    "allows attackers to bypass intended access restrictions via a \"..\" sequence in a path",
    "can be exploited to corrupt memory when processing an untrusted file",
    "permits a man-in-the-middle attacker to spoof a server certificate",
];

const DETAILS: &[&str] = &[
    "Applications that call `X509_VERIFY_PARAM_set1_host()` with attacker-controlled names are affected.",
    "The issue only manifests when the non-default \"strict\" mode is enabled, which limits its practical impact.",
    "Exploitation requires the victim to open a malicious file or connect to a server controlled by the attacker.",
    "This vulnerability exists because of an incomplete fix for an earlier issue in the same function.",
    "Versions prior to the fixed release do not correctly bound the number of allocations made per connection.",
    "The vendor states that the default configuration is not affected unless the optional feature is compiled in.",
    "A proof-of-concept has been published, and scanning activity has been observed in the wild.",
];

const CVSS3_VECTORS: &[(&str, f64)] = &[
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
    ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8),
    ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
    ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
    ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", 5.5),
    ("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N", 2.5),
    ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1),
];

const CVSS2_VECTORS: &[(&str, f64)] = &[
    ("AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5),
    ("AV:N/AC:M/Au:N/C:N/I:N/A:P", 4.3),
    ("AV:L/AC:L/Au:N/C:P/I:N/A:N", 2.1),
    ("AV:N/AC:L/Au:N/C:N/I:N/A:P", 5.0),
];

// ---- one finding ----------------------------------------------------------------------------------------

/// Finding `index` of the dump made with `seed`.
pub fn finding(seed: u64, index: usize) -> Value {
    let mut rng = Rng::new(seed ^ (index as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));

    let severity = *rng.weighted(&[
        (5, "CRITICAL"),
        (20, "HIGH"),
        (40, "MEDIUM"),
        (25, "LOW"),
        (5, "INFORMATIONAL"),
        (5, "UNTRIAGED"),
    ]);
    let status = *rng.weighted(&[(85, "ACTIVE"), (10, "SUPPRESSED"), (5, "CLOSED")]);
    let fix_available = *rng.weighted(&[(60, "YES"), (10, "PARTIAL"), (30, "NO")]);
    let exploit_available = rng.percent(if severity == "CRITICAL" { 30 } else { 4 });

    let allowlisted = index % 500 == 499;
    let vulnerability_id = if allowlisted {
        ALLOWLISTED.to_owned()
    } else {
        format!("CVE-{}-{}", rng.between(2015..2026), rng.between(1000..52000))
    };
    let packages: Vec<&Package> = if allowlisted {
        vec![&PACKAGES[14]] // libwebp7
    } else {
        let count = *rng.weighted(&[(80, 1), (15, 2), (5, 3)]);
        (0..count).map(|_| rng.pick(PACKAGES)).collect()
    };

    // Inspector's score follows the severity; an untriaged finding has neither score nor CVSS.
    let score_tenths = match severity {
        "CRITICAL" => rng.between(90..101),
        "HIGH" => rng.between(70..90),
        "MEDIUM" => rng.between(40..70),
        "LOW" => rng.between(1..40),
        _ => 0,
    };
    let scored = score_tenths > 0;
    let score = score_tenths as f64 / 10.0;
    let epss_score = if exploit_available { rng.between(20_000..97_000) } else { rng.between(40..8_000) } as f64 / 1e5;

    let first_observed_ms = (PUSHED_AT + rng.between(60..3_600)) * 1000 + rng.between(0..1000);
    let last_observed_ms = first_observed_ms + rng.between(0..30 * 86_400) * 1000;
    let vendor_created = PUSHED_AT - rng.between(30..3_000) * 86_400;
    let at = |ms: u64| ms as f64 / 1000.0;

    let (vector, base_score) = *rng.pick(CVSS3_VECTORS);
    let mut cvss = Vec::new();
    if scored {
        cvss.push(json!({"baseScore": base_score, "scoringVector": vector, "source": "NVD", "version": "3.1"}));
        if rng.percent(50) {
            let (vector2, score2) = *rng.pick(CVSS2_VECTORS);
            cvss.push(json!({"baseScore": score2, "scoringVector": vector2, "source": "NVD", "version": "2.0"}));
        }
        if rng.percent(40) {
            cvss.push(json!({"baseScore": score, "scoringVector": vector, "source": "DEBIAN_CVE", "version": "3.1"}));
        }
    }

    let reference_urls: Vec<String> = (0..rng.between(1..6))
        .map(|i| match i {
            0 => format!("https://nvd.nist.gov/vuln/detail/{vulnerability_id}"),
            1 => format!("https://www.cve.org/CVERecord?id={vulnerability_id}"),
            2 => format!("https://security-tracker.debian.org/tracker/{vulnerability_id}"),
            3 => format!("https://github.com/advisories/GHSA-{}-{}-{}", rng.hex(4), rng.hex(4), rng.hex(4)),
            _ => format!("https://lists.debian.org/debian-lts-announce/2024/{:02}/msg000{:02}.html", i, i * 7),
        })
        .collect();
    let related: Vec<String> =
        (0..rng.between(0..3)).map(|_| format!("DLA-{}-{}", rng.between(3000..4100), rng.between(1..3))).collect();

    let vulnerable_packages: Vec<Value> = packages
        .iter()
        .map(|p| {
            let fixed = fix_available == "YES" || (fix_available == "PARTIAL" && rng.percent(50));
            let fixed_in = if fixed { format!("{}-{}", p.version, rng.between(1..9)) } else { "NotAvailable".into() };
            let mut package = json!({
                "name": p.name,
                "version": p.version,
                "packageManager": p.manager,
                "fixedInVersion": fixed_in,
                "sourceLayerHash": format!("sha256:{}", rng.hex(64)),
            });
            let fields = package.as_object_mut().unwrap();
            match p.path {
                Some(path) => {
                    fields.insert("filePath".into(), path.into());
                }
                None => {
                    fields.insert("arch".into(), "X86_64".into());
                    fields.insert("epoch".into(), 0.into());
                    fields
                        .insert("release".into(), format!("{}+deb12u{}", rng.between(1..4), rng.between(1..9)).into());
                    fields.insert("remediation".into(), "apt-get update && apt-get upgrade".into());
                }
            }
            package
        })
        .collect();

    let names: Vec<&str> = packages.iter().map(|p| p.name).collect();
    let mut finding = json!({
        "awsAccountId": ACCOUNT,
        "description": description(&mut rng, names[0]),
        "epss": {"score": epss_score},
        "exploitAvailable": if exploit_available { "YES" } else { "NO" },
        "findingArn": format!("arn:aws:inspector2:{REGION}:{ACCOUNT}:finding/{}", rng.hex(32)),
        "firstObservedAt": at(first_observed_ms),
        "fixAvailable": fix_available,
        "lastObservedAt": at(last_observed_ms),
        "packageVulnerabilityDetails": {
            "cvss": cvss,
            "referenceUrls": reference_urls,
            "relatedVulnerabilities": related,
            "source": "DEBIAN_CVE",
            "sourceUrl": format!("https://security-tracker.debian.org/tracker/{vulnerability_id}"),
            "vendorCreatedAt": vendor_created as f64,
            "vendorSeverity": if scored { severity.to_ascii_lowercase() } else { "not yet assigned".into() },
            "vulnerabilityId": vulnerability_id,
            "vulnerablePackages": vulnerable_packages,
        },
        "remediation": {"recommendation": {"text": "None Provided"}},
        "resources": [{
            "details": {"awsEcrContainerImage": {
                "architecture": "amd64",
                "imageHash": IMAGE_HASH,
                "imageTags": ["latest", "v1.42.0"],
                "inUseCount": 3,
                "lastInUseAt": at(last_observed_ms - 60_000),
                "platform": "DEBIAN_12",
                "pushedAt": PUSHED_AT as f64,
                "registry": ACCOUNT,
                "repositoryName": REPOSITORY,
            }},
            "id": format!("arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{REPOSITORY}/{IMAGE_HASH}"),
            "partition": "aws",
            "region": REGION,
            "tags": {},
            "type": "AWS_ECR_CONTAINER_IMAGE",
        }],
        "severity": severity,
        "status": status,
        "title": format!("{vulnerability_id} - {}", names.join(", ")),
        "type": "PACKAGE_VULNERABILITY",
        "updatedAt": at(last_observed_ms),
    });

    let fields = finding.as_object_mut().unwrap();
    if scored {
        fields.insert("inspectorScore".into(), score.into());
        let adjustments = if score < base_score {
            json!([{"metric": "ATTACK_VECTOR", "reason": "The vulnerable code path is not reachable over the network"}])
        } else {
            json!([])
        };
        fields.insert(
            "inspectorScoreDetails".into(),
            json!({"adjustedCvss": {
                "adjustments": adjustments,
                "cvssSource": "NVD",
                "score": score,
                "scoreSource": "DEBIAN_CVE",
                "scoringVector": vector,
                "version": "3.1",
            }}),
        );
    }
    if exploit_available {
        fields.insert(
            "exploitabilityDetails".into(),
            json!({"lastKnownExploitAt": (PUSHED_AT - rng.between(1..400) * 86_400) as f64}),
        );
    }
    if status == "CLOSED" {
        fields.insert("updatedAt".into(), at(last_observed_ms + 86_400_000).into());
    }
    if fix_available != "NO" && rng.percent(30) {
        fields.insert(
            "remediation".into(),
            json!({"recommendation": {
                "text": format!("Upgrade {} to a fixed version", names[0]),
                "Url": format!("https://security-tracker.debian.org/tracker/{vulnerability_id}"),
            }}),
        );
    }
    finding
}

/// A CVE-style description of 200 to 600 characters.
fn description(rng: &mut Rng, package: &str) -> String {
    let target = rng.between(200..600) as usize;
    let mut text = format!("{} in {package} {}.", rng.pick(COMPONENTS), rng.pick(FLAWS));
    let first = rng.between(0..DETAILS.len() as u64) as usize;
    for detail in DETAILS.iter().cycle().skip(first).take(DETAILS.len()) {
        if text.len() >= target || text.len() + 1 + detail.len() > 600 {
            break;
        }
        text.push(' ');
        text.push_str(detail);
    }
    text
}
