//! The DynamoDB approval store through the real SDK against moto: the conditional writes behind each
//! guarantee of the flows, the item layout, and reads across pages. Each test has a table of its own.
//! Run with `scripts/with-moto.sh cargo test -p approval-aws --test dynamo`.

mod support;

use std::collections::HashMap;

use approval_aws::dynamo::{DynamoStore, StoreConfig};
use approval_core::decision::Verdict;
use approval_core::ids::{ActionName, ApprovalToken, ImageDigest, PipelineName, RepositoryName, StageName};
use approval_core::ports::{ApprovalStore, Inserted};
use approval_core::record::{
    ApprovalKey, ApprovalRecord, ApprovalState, Claim, DecisionRecord, ScanState, ScanVerdict, StoredApproval,
};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};

const DIGEST_A: &str = "sha256:965fbcae990b0467ed5657caceaec165018ef44a4d2d46c7cdea80a9dff0d1ea";
const DIGEST_B: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000b0b";
const TOKEN_1: &str = "3f2b9c1e-7d4a-4e8b-9a51-2c6d8e0f1a7b";
const TOKEN_2: &str = "5a6b7c8d-1111-4222-8333-444455556666";

/// A store on a fresh table of its own, and the raw client to look at the items.
struct Fixture {
    store: DynamoStore,
    client: aws_sdk_dynamodb::Client,
    table: String,
}

async fn fixture() -> Fixture {
    fixture_with(|_| {}).await
}

async fn fixture_with(adjust: impl FnOnce(&mut StoreConfig)) -> Fixture {
    let config = support::sdk_config(&support::moto_endpoint()).await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let table = support::unique_name("approvals");
    support::create_table(&client, &table).await;
    let mut store_config = StoreConfig::new(&table);
    adjust(&mut store_config);
    Fixture { store: DynamoStore::new(client.clone(), store_config), client, table }
}

impl Fixture {
    async fn stored(&self, key: &ApprovalKey) -> StoredApproval {
        let state = self.store.digest_state(&key.digest).await.expect("digest_state");
        state.approvals.into_iter().find(|a| a.record.key == *key).expect("approval is stored")
    }

    /// The item as DynamoDB holds it.
    async fn raw(&self, digest: &str, sk: &str) -> HashMap<String, AttributeValue> {
        self.client
            .get_item()
            .table_name(&self.table)
            .key("digest", AttributeValue::S(digest.to_owned()))
            .key("sk", AttributeValue::S(sk.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .expect("GetItem")
            .item
            .expect("item exists")
    }

    async fn put_raw(&self, item: HashMap<String, AttributeValue>) {
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.expect("PutItem");
    }
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).expect("test time").with_timezone(&Utc)
}

fn now() -> DateTime<Utc> {
    at("2024-05-08T12:00:00Z")
}

fn key(digest: &str, action: &str, token: &str) -> ApprovalKey {
    ApprovalKey {
        digest: ImageDigest::parse(digest).unwrap(),
        pipeline: PipelineName::parse("web-release").unwrap(),
        stage: StageName::parse("Gate").unwrap(),
        action: ActionName::parse(action).unwrap(),
        token: ApprovalToken::parse(token).unwrap(),
    }
}

/// A pending approval recorded at `now()`, expiring a week later.
fn approval(digest: &str, action: &str, token: &str) -> ApprovalRecord {
    ApprovalRecord {
        key: key(digest, action, token),
        region: Some("eu-west-1".to_owned()),
        expires: now() + Duration::days(7),
        review_link: None,
        repository: Some(RepositoryName::parse("team/web").unwrap()),
        sns_message_id: "msg-1".to_owned(),
        recorded_at: now(),
        state: ApprovalState::Pending,
        decision: None,
    }
}

fn decision(status: Verdict, blocking_ids: &[&str]) -> DecisionRecord {
    DecisionRecord {
        status,
        summary: "2 findings block: CVE-2024-0001, CVE-2024-0002".to_owned(),
        blocking_ids: blocking_ids.iter().map(|id| (*id).to_owned()).collect(),
        policy_sha256: "ab".repeat(32),
        decided_at: now() + Duration::minutes(3),
        note: None,
    }
}

fn scan(digest: &str, verdict: ScanVerdict, observed_at: DateTime<Utc>) -> ScanState {
    ScanState {
        digest: ImageDigest::parse(digest).unwrap(),
        repository: Some(RepositoryName::parse("team/web").unwrap()),
        verdict,
        observed_at,
    }
}

fn sk(key: &ApprovalKey) -> String {
    format!("APPROVAL#{}#{}#{}#{}", key.pipeline, key.stage, key.action, key.token.expose())
}

fn number(item: &HashMap<String, AttributeValue>, name: &str) -> i64 {
    item[name].as_n().expect("a number").parse().expect("an integer")
}

// ------------------------------------------------------------------ recording

#[tokio::test]
async fn connect_reads_the_table_and_names_what_failed_when_it_cannot() {
    let f = fixture().await;
    f.store.connect().await.expect("a read of an existing table");

    let missing = DynamoStore::new(f.client.clone(), StoreConfig::new(support::unique_name("missing")));
    let err = missing.connect().await.unwrap_err().to_string();

    assert!(err.contains("Query") && err.contains("ResourceNotFoundException"), "{err}");
}

#[tokio::test]
async fn first_insert_is_read_back_with_every_field() {
    let f = fixture().await;
    let mut record = approval(DIGEST_A, "Inspector", TOKEN_1);
    record.expires = at("2024-05-15T12:34:56.250Z");
    record.recorded_at = at("2024-05-08T12:00:01.123456789Z");
    record.review_link = Some("https://console.aws.amazon.com/codesuite/codepipeline/pipelines/web".to_owned());

    let inserted = f.store.insert_approval(&record).await.unwrap();

    assert_eq!(inserted, Inserted::New);
    let state = f.store.digest_state(&record.key.digest).await.unwrap();
    assert_eq!(state.approvals, vec![StoredApproval { record, claim: None }]);
    assert_eq!(state.scan, None);
}

#[tokio::test]
async fn approval_without_optional_fields_round_trips() {
    let f = fixture().await;
    let mut record = approval(DIGEST_A, "Inspector", TOKEN_1);
    record.region = None;
    record.repository = None;

    f.store.insert_approval(&record).await.unwrap();

    assert_eq!(f.stored(&record.key).await.record, record);
}

#[tokio::test]
async fn redelivered_approval_is_a_duplicate_and_changes_nothing() {
    let f = fixture().await;
    let first = approval(DIGEST_A, "Inspector", TOKEN_1);
    f.store.insert_approval(&first).await.unwrap();
    let mut redelivered = first.clone();
    redelivered.sns_message_id = "msg-2".to_owned();
    redelivered.recorded_at = now() + Duration::minutes(5);

    let inserted = f.store.insert_approval(&redelivered).await.unwrap();

    assert_eq!(inserted, Inserted::Duplicate);
    assert_eq!(f.stored(&first.key).await.record, first);
}

#[tokio::test]
async fn two_tokens_of_one_action_are_both_stored() {
    let f = fixture().await;
    let older = approval(DIGEST_A, "Inspector", TOKEN_1);
    let newer = approval(DIGEST_A, "Inspector", TOKEN_2);

    assert_eq!(f.store.insert_approval(&older).await.unwrap(), Inserted::New);
    assert_eq!(f.store.insert_approval(&newer).await.unwrap(), Inserted::New);

    let state = f.store.digest_state(&older.key.digest).await.unwrap();
    let tokens: Vec<&str> = state.approvals.iter().map(|a| a.record.key.token.expose()).collect();
    assert_eq!(tokens.len(), 2);
    assert!(tokens.contains(&TOKEN_1) && tokens.contains(&TOKEN_2), "{tokens:?}");
}

#[tokio::test]
async fn ttl_is_expiry_plus_retention() {
    let f = fixture_with(|c| {
        c.retention = Duration::days(10);
        c.scan_retention = Duration::days(2);
    })
    .await;
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);
    let observed = now() + Duration::hours(1);

    f.store.insert_approval(&record).await.unwrap();
    f.store.remember_scan(&scan(DIGEST_A, ScanVerdict::Complete, observed)).await.unwrap();

    let item = f.raw(DIGEST_A, &sk(&record.key)).await;
    assert_eq!(number(&item, "ttl"), (record.expires + Duration::days(10)).timestamp());
    assert_eq!(number(&item, "expires_epoch"), record.expires.timestamp());
    assert_eq!(item["kind"].as_s().unwrap(), "approval");
    assert_eq!(item["state"].as_s().unwrap(), "pending");
    let scan_item = f.raw(DIGEST_A, "SCAN").await;
    assert_eq!(number(&scan_item, "ttl"), (observed + Duration::days(2)).timestamp());
    assert_eq!(number(&scan_item, "observed_epoch"), observed.timestamp());
    assert_eq!(scan_item["kind"].as_s().unwrap(), "scan");
    assert_eq!(scan_item["verdict"].as_s().unwrap(), "complete");
}

// ------------------------------------------------------------------ retiring

#[tokio::test]
async fn retire_moves_a_pending_approval_only_once() {
    let f = fixture().await;
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);
    f.store.insert_approval(&record).await.unwrap();

    let first = f.store.retire(&record.key, ApprovalState::Superseded).await.unwrap();
    let second = f.store.retire(&record.key, ApprovalState::Expired).await.unwrap();

    assert!(first);
    assert!(!second);
    assert_eq!(f.stored(&record.key).await.record.state, ApprovalState::Superseded);
}

#[tokio::test]
async fn retire_of_an_unknown_approval_creates_nothing() {
    let f = fixture().await;
    let unknown = key(DIGEST_A, "Inspector", TOKEN_1);

    let retired = f.store.retire(&unknown, ApprovalState::Expired).await.unwrap();

    assert!(!retired);
    assert_eq!(f.store.digest_state(&unknown.digest).await.unwrap().approvals, vec![]);
}

// ------------------------------------------------------------------ claims

#[tokio::test]
async fn live_claim_keeps_other_owners_out_until_its_lease_ends() {
    let f = fixture().await;
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);
    f.store.insert_approval(&record).await.unwrap();
    let lease = Duration::minutes(5);

    let first = f.store.claim(&record.key, "run-a", now(), now() + lease).await.unwrap();
    let during_lease =
        f.store.claim(&record.key, "run-b", now() + Duration::minutes(1), now() + lease * 2).await.unwrap();
    let after = now() + lease + Duration::seconds(1);
    let after_lease = f.store.claim(&record.key, "run-b", after, after + lease).await.unwrap();

    assert!(first);
    assert!(!during_lease);
    assert!(after_lease);
    assert_eq!(f.stored(&record.key).await.claim, Some(Claim { owner: "run-b".to_owned(), until: after + lease }));
}

#[tokio::test]
async fn expired_approval_cannot_be_claimed() {
    let f = fixture().await;
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);
    f.store.insert_approval(&record).await.unwrap();

    let at_expiry = f.store.claim(&record.key, "run-a", record.expires, record.expires + Duration::minutes(5)).await;
    let later = record.expires + Duration::hours(1);
    let after_expiry = f.store.claim(&record.key, "run-a", later, later + Duration::minutes(5)).await;

    assert!(!at_expiry.unwrap());
    assert!(!after_expiry.unwrap());
    assert_eq!(f.stored(&record.key).await.claim, None);
}

#[tokio::test]
async fn retired_approval_cannot_be_claimed() {
    let f = fixture().await;
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);
    f.store.insert_approval(&record).await.unwrap();
    f.store.retire(&record.key, ApprovalState::Superseded).await.unwrap();

    let claimed = f.store.claim(&record.key, "run-a", now(), now() + Duration::minutes(5)).await.unwrap();

    assert!(!claimed);
}

#[tokio::test]
async fn finish_by_another_owner_is_an_error_and_changes_nothing() {
    let f = fixture().await;
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);
    f.store.insert_approval(&record).await.unwrap();
    f.store.claim(&record.key, "run-a", now(), now() + Duration::minutes(5)).await.unwrap();

    let result = f.store.finish(&record.key, "run-b", ApprovalState::Approved, &decision(Verdict::Approved, &[])).await;

    let err = result.unwrap_err();
    assert_eq!(err.call, "DynamoDB UpdateItem");
    assert!(err.message.contains("run-b") && err.message.contains("claimed by `run-a`"), "{err}");
    assert!(err.message.contains(record.key.token.prefix()), "{err}");
    assert!(!err.message.contains(TOKEN_1), "the error shows the whole token: {err}");
    let stored = f.stored(&record.key).await;
    assert_eq!(stored.record.state, ApprovalState::Pending);
    assert_eq!(stored.record.decision, None);
    assert_eq!(stored.claim.map(|c| c.owner), Some("run-a".to_owned()));
}

#[tokio::test]
async fn finish_without_any_claim_is_an_error() {
    let f = fixture().await;
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);
    f.store.insert_approval(&record).await.unwrap();

    let result = f.store.finish(&record.key, "run-a", ApprovalState::Approved, &decision(Verdict::Approved, &[])).await;

    let err = result.unwrap_err();
    assert!(err.message.contains("not claimed"), "{err}");
    assert_eq!(f.stored(&record.key).await.record.state, ApprovalState::Pending);
}

#[tokio::test]
async fn finish_by_the_owner_stores_the_outcome_and_drops_the_claim() {
    let f = fixture().await;
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);
    f.store.insert_approval(&record).await.unwrap();
    f.store.claim(&record.key, "run-a", now(), now() + Duration::minutes(5)).await.unwrap();
    let outcome = decision(Verdict::Rejected, &["CVE-2024-0001", "CVE-2024-0002"]);

    f.store.finish(&record.key, "run-a", ApprovalState::Rejected, &outcome).await.unwrap();

    let stored = f.stored(&record.key).await;
    assert_eq!(stored.record.state, ApprovalState::Rejected);
    assert_eq!(stored.record.decision, Some(outcome));
    assert_eq!(stored.claim, None);
    let item = f.raw(DIGEST_A, &sk(&record.key)).await;
    assert!(!item.contains_key("claim_owner") && !item.contains_key("claim_until"), "{item:?}");
    assert_eq!(item["decision_status"].as_s().unwrap(), "Rejected");
    assert_eq!(item["blocking_ids"].as_l().unwrap().len(), 2);
}

#[tokio::test]
async fn closed_outcome_keeps_its_note_and_an_empty_blocking_list() {
    let f = fixture().await;
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);
    f.store.insert_approval(&record).await.unwrap();
    f.store.claim(&record.key, "run-a", now(), now() + Duration::minutes(5)).await.unwrap();
    let mut outcome = decision(Verdict::Approved, &[]);
    outcome.note = Some("approval already completed: ApprovalAlreadyCompletedException".to_owned());

    f.store.finish(&record.key, "run-a", ApprovalState::Closed, &outcome).await.unwrap();

    let stored = f.stored(&record.key).await;
    assert_eq!(stored.record.state, ApprovalState::Closed);
    assert_eq!(stored.record.decision, Some(outcome));
    let item = f.raw(DIGEST_A, &sk(&record.key)).await;
    assert_eq!(item["blocking_ids"], AttributeValue::L(vec![]));
}

#[tokio::test]
async fn decided_approval_cannot_be_claimed_again() {
    let f = fixture().await;
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);
    f.store.insert_approval(&record).await.unwrap();
    f.store.claim(&record.key, "run-a", now(), now() + Duration::minutes(5)).await.unwrap();
    f.store.finish(&record.key, "run-a", ApprovalState::Approved, &decision(Verdict::Approved, &[])).await.unwrap();

    let later = now() + Duration::hours(1);
    let claimed = f.store.claim(&record.key, "run-b", later, later + Duration::minutes(5)).await.unwrap();

    assert!(!claimed);
}

#[tokio::test]
async fn release_lets_another_run_claim_at_once() {
    let f = fixture().await;
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);
    f.store.insert_approval(&record).await.unwrap();
    f.store.claim(&record.key, "run-a", now(), now() + Duration::minutes(5)).await.unwrap();

    f.store.release(&record.key, "run-b").await.unwrap();
    let still_held = f.stored(&record.key).await.claim;
    f.store.release(&record.key, "run-a").await.unwrap();
    let released = f.stored(&record.key).await.claim;
    let reclaimed = f.store.claim(&record.key, "run-b", now(), now() + Duration::minutes(5)).await.unwrap();

    assert_eq!(still_held.map(|c| c.owner), Some("run-a".to_owned()));
    assert_eq!(released, None);
    assert!(reclaimed);
}

#[tokio::test]
async fn release_of_an_unclaimed_approval_is_not_an_error() {
    let f = fixture().await;
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);
    f.store.insert_approval(&record).await.unwrap();

    f.store.release(&record.key, "run-a").await.unwrap();

    assert_eq!(f.stored(&record.key).await, StoredApproval { record, claim: None });
}

// ------------------------------------------------------------------ scan state

#[tokio::test]
async fn newer_scan_state_wins_over_a_late_older_event() {
    let f = fixture().await;
    let digest = ImageDigest::parse(DIGEST_A).unwrap();
    let unscannable = scan(DIGEST_A, ScanVerdict::Unscannable { reason: "UNSUPPORTED_OS".to_owned() }, now());
    let older = scan(DIGEST_A, ScanVerdict::Complete, now() - Duration::minutes(10));
    let newer = scan(DIGEST_A, ScanVerdict::Complete, now() + Duration::minutes(10));

    f.store.remember_scan(&unscannable).await.unwrap();
    let first = f.store.digest_state(&digest).await.unwrap().scan;
    f.store.remember_scan(&older).await.unwrap();
    let after_older = f.store.digest_state(&digest).await.unwrap().scan;
    f.store.remember_scan(&newer).await.unwrap();
    let after_newer = f.store.digest_state(&digest).await.unwrap().scan;

    assert_eq!(first, Some(unscannable.clone()));
    assert_eq!(after_older, Some(unscannable));
    assert_eq!(after_newer, Some(newer));
}

#[tokio::test]
async fn digest_state_returns_approvals_and_scan_together() {
    let f = fixture().await;
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);
    let other_digest = approval(DIGEST_B, "Inspector", TOKEN_2);
    let complete = scan(DIGEST_A, ScanVerdict::Complete, now());
    f.store.insert_approval(&record).await.unwrap();
    f.store.insert_approval(&other_digest).await.unwrap();
    f.store.remember_scan(&complete).await.unwrap();

    let state = f.store.digest_state(&record.key.digest).await.unwrap();

    assert_eq!(state.approvals, vec![StoredApproval { record, claim: None }]);
    assert_eq!(state.scan, Some(complete));
}

// ------------------------------------------------------------------ listing

#[tokio::test]
async fn pending_lists_every_digest_in_recording_order() {
    let f = fixture().await;
    let mut late = approval(DIGEST_A, "Inspector", TOKEN_1);
    late.recorded_at = now() + Duration::minutes(2);
    let mut early = approval(DIGEST_B, "Inspector", TOKEN_2);
    early.recorded_at = now() - Duration::minutes(2);
    let mut retired = approval(DIGEST_A, "Scan", TOKEN_2);
    retired.recorded_at = now();
    for record in [&late, &early, &retired] {
        f.store.insert_approval(record).await.unwrap();
    }
    f.store.retire(&retired.key, ApprovalState::Superseded).await.unwrap();
    f.store.remember_scan(&scan(DIGEST_A, ScanVerdict::Complete, now())).await.unwrap();

    let all = f.store.pending(None).await.unwrap();
    let of_a = f.store.pending(Some(&late.key.digest)).await.unwrap();

    assert_eq!(all, vec![early, late.clone()]);
    assert_eq!(of_a, vec![late]);
}

#[tokio::test]
async fn pending_scan_reads_every_page() {
    let f = fixture_with(|c| c.page_size = Some(3)).await;
    let mut expected = Vec::new();
    for i in 0..8u32 {
        let token = format!("00000000-0000-4000-8000-{i:012}");
        let mut record = approval(DIGEST_A, "Inspector", &token);
        record.recorded_at = now() + Duration::seconds(i.into());
        f.store.insert_approval(&record).await.unwrap();
        expected.push(record);
    }

    let all = f.store.pending(None).await.unwrap();

    assert_eq!(all, expected);
}

#[tokio::test]
async fn digest_state_reads_every_page_of_a_small_page_size() {
    let f = fixture_with(|c| c.page_size = Some(4)).await;
    for i in 0..10u32 {
        let token = format!("00000000-0000-4000-8000-{i:012}");
        f.store.insert_approval(&approval(DIGEST_A, "Inspector", &token)).await.unwrap();
    }
    f.store.remember_scan(&scan(DIGEST_A, ScanVerdict::Complete, now())).await.unwrap();

    let state = f.store.digest_state(&ImageDigest::parse(DIGEST_A).unwrap()).await.unwrap();

    assert_eq!(state.approvals.len(), 10);
    assert!(state.scan.is_some());
}

#[tokio::test]
async fn digest_state_reads_past_the_one_megabyte_page() {
    // Given more than 1 MB of approvals on one digest (DynamoDB, and moto, cut a Query page there).
    let f = fixture().await;
    let big_link = format!("https://example.com/review?{}", "x".repeat(40_000));
    for i in 0..30u32 {
        let token = format!("00000000-0000-4000-8000-{i:012}");
        let mut record = approval(DIGEST_A, "Inspector", &token);
        record.review_link = Some(big_link.clone());
        f.store.insert_approval(&record).await.unwrap();
    }
    let first_page = f
        .client
        .query()
        .table_name(&f.table)
        .key_condition_expression("digest = :d")
        .expression_attribute_values(":d", AttributeValue::S(DIGEST_A.to_owned()))
        .send()
        .await
        .unwrap();
    assert!(first_page.last_evaluated_key.is_some(), "one page held everything: the test proves nothing");

    // When the store reads the digest with its production page size,
    let state = f.store.digest_state(&ImageDigest::parse(DIGEST_A).unwrap()).await.unwrap();

    // then every approval is there.
    assert_eq!(state.approvals.len(), 30);
}

// ------------------------------------------------------------------ damaged items

#[tokio::test]
async fn corrupted_item_is_an_error_naming_its_sort_key() {
    let f = fixture().await;
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);
    f.store.insert_approval(&record).await.unwrap();
    let mut item = f.raw(DIGEST_A, &sk(&record.key)).await;
    item.insert("token".to_owned(), AttributeValue::S("not-a-token".to_owned()));
    f.put_raw(item).await;

    let by_digest = f.store.digest_state(&record.key.digest).await.unwrap_err();
    let listing = f.store.pending(None).await.unwrap_err();

    assert_eq!(by_digest.call, "DynamoDB Query");
    assert_eq!(listing.call, "DynamoDB Scan");
    for err in [by_digest, listing] {
        let text = err.to_string();
        assert!(text.contains("APPROVAL#web-release#Gate#Inspector#3f2b9c1e…"), "{text}");
        assert!(text.contains("`token`"), "{text}");
        assert!(!text.contains(TOKEN_1), "the error shows the whole token: {text}");
    }
}

#[tokio::test]
async fn item_missing_an_attribute_is_an_error_naming_it() {
    let f = fixture().await;
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);
    f.store.insert_approval(&record).await.unwrap();
    let mut item = f.raw(DIGEST_A, &sk(&record.key)).await;
    item.remove("expires");
    f.put_raw(item).await;

    let err = f.store.digest_state(&record.key.digest).await.unwrap_err();

    assert!(err.message.contains("attribute `expires` is missing"), "{err}");
}

#[tokio::test]
async fn missing_table_is_an_error_with_the_service_message() {
    let config = support::sdk_config(&support::moto_endpoint()).await;
    let store =
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), StoreConfig::new(support::unique_name("absent")));
    let record = approval(DIGEST_A, "Inspector", TOKEN_1);

    let err = store.insert_approval(&record).await.unwrap_err();

    assert_eq!(err.call, "DynamoDB PutItem");
    assert!(err.message.contains("ResourceNotFoundException: Requested resource not found"), "{err}");
    assert!(!err.message.contains("service error"), "{err}");
    assert!(!err.message.contains("Response {"), "the raw response leaked into the message: {err}");
    assert!(!err.message.contains(TOKEN_1), "{err}");
}

#[tokio::test]
async fn unreachable_endpoint_is_an_error_naming_the_cause() {
    // A loopback port that nothing listens on: the port was free a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = support::sdk_config(&format!("http://127.0.0.1:{port}")).await;
    let client = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&config)
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
            .build(),
    );
    let store = DynamoStore::new(client, StoreConfig::new("approvals"));

    let err = store.digest_state(&ImageDigest::parse(DIGEST_A).unwrap()).await.unwrap_err();

    assert_eq!(err.call, "DynamoDB Query");
    assert!(err.message.contains("dispatch failure"), "{err}");
    assert!(err.message.contains(DIGEST_A), "{err}");
}
