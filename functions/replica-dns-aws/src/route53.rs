//! [`RecordStore`] on Route 53: ListResourceRecordSets (every page), one
//! ChangeResourceRecordSets per batch, GetChange; and the conversions between Route 53's
//! record sets and [`RecordSet`] (name escapes, normalisation, ids without their
//! `/hostedzone/` and `/change/` prefixes). It does not decide which changes to make.

use aws_sdk_route53::types::{
    Change as SdkChange, ChangeAction as SdkChangeAction, ChangeBatch,
    ChangeStatus as SdkChangeStatus, ResourceRecord, ResourceRecordSet, RrType,
};
use replica_dns_core::plan::{Change, ChangeAction};
use replica_dns_core::records::{in_subtree, normalize_name, RecordSet, RecordType};

use crate::error::Error;
use crate::ports::{ChangeStatus, RecordStore};

const LIST: &str = "ListResourceRecordSets";
const CHANGE: &str = "ChangeResourceRecordSets";
const GET_CHANGE: &str = "GetChange";

/// Route 53 accepts at most 1 000 changes (records) in one batch; checking before the
/// call turns an oversized plan into a clear Fatal error instead of an
/// `InvalidChangeBatch` that would be mistaken for a lost compare-and-swap.
pub const MAX_CHANGES_PER_BATCH: usize = 1000;

/// The Route 53 adapter. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Route53Records {
    client: aws_sdk_route53::Client,
}

impl Route53Records {
    pub fn new(client: aws_sdk_route53::Client) -> Self {
        Self { client }
    }
}

impl RecordStore for Route53Records {
    /// With a `subtree`, listing starts at the subtree's apex and stops at the first name
    /// that sorts after every name of the subtree. Route 53 sorts by name with labels
    /// reversed (`internal.cache.orders.`), so a subtree is one contiguous run; names
    /// like `orders-b.cache.internal.` (sorting between, in some emulators) are skipped,
    /// not taken as the end.
    async fn list_records(
        &self,
        zone_id: &str,
        subtree: Option<&str>,
    ) -> Result<Vec<RecordSet>, Error> {
        let zone_id = strip_id_prefix(zone_id, "/hostedzone/");
        let subtree = subtree.map(normalize_name);
        let mut start: Option<(String, RrType, Option<String>)> = None;
        let mut records = Vec::new();
        loop {
            let mut request = self
                .client
                .list_resource_record_sets()
                .hosted_zone_id(zone_id);
            match &start {
                Some((name, rr_type, identifier)) => {
                    request = request
                        .start_record_name(name)
                        .start_record_type(rr_type.clone())
                        .set_start_record_identifier(identifier.clone());
                }
                None => {
                    if let Some(apex) = &subtree {
                        request = request.start_record_name(apex);
                    }
                }
            }
            let page = request
                .send()
                .await
                .map_err(|err| Error::from_sdk(LIST, err))?;
            for sdk in page.resource_record_sets() {
                let record = record_from_sdk(sdk)?;
                match &subtree {
                    Some(apex) if past_subtree(&record.name, apex) => return Ok(records),
                    Some(apex) if !in_subtree(&record.name, apex) => {}
                    _ => records.push(record),
                }
            }
            if !page.is_truncated() {
                return Ok(records);
            }
            let next_name = page.next_record_name().ok_or_else(|| Error::MissingField {
                operation: LIST,
                field: "NextRecordName",
                context: format!("truncated page of zone {zone_id}"),
            })?;
            let next_type = page.next_record_type().ok_or_else(|| Error::MissingField {
                operation: LIST,
                field: "NextRecordType",
                context: format!("truncated page of zone {zone_id}"),
            })?;
            let next = (
                next_name.to_owned(),
                next_type.clone(),
                page.next_record_identifier().map(str::to_owned),
            );
            if start.as_ref() == Some(&next) {
                return Err(Error::InvalidField {
                    operation: LIST,
                    field: "NextRecordName",
                    value: next_name.to_owned(),
                    context: format!("zone {zone_id}"),
                    reason: "pagination did not advance",
                });
            }
            start = Some(next);
        }
    }

    async fn change_batch(
        &self,
        zone_id: &str,
        changes: &[Change],
        comment: &str,
    ) -> Result<String, Error> {
        let zone_id = strip_id_prefix(zone_id, "/hostedzone/");
        let batch = change_batch_to_sdk(changes, comment)?;
        // Sent once, never retried by the SDK: a retried attempt whose first try landed
        // would fail its compare-and-swap and look like another writer's conflict. The
        // state machine retries apply instead (ReplicaDns.Transient, Lambda.Unknown), and
        // its `$$.State.RetryCount` tells apply whether an earlier attempt may have written.
        let output = self
            .client
            .change_resource_record_sets()
            .hosted_zone_id(zone_id)
            .change_batch(batch)
            .customize()
            .config_override(
                aws_sdk_route53::config::Builder::default()
                    .retry_config(aws_sdk_route53::config::retry::RetryConfig::disabled()),
            )
            .send()
            .await
            .map_err(|err| Error::from_sdk(CHANGE, err))?;
        let info = output.change_info().ok_or_else(|| Error::MissingField {
            operation: CHANGE,
            field: "ChangeInfo",
            context: format!("zone {zone_id}"),
        })?;
        Ok(strip_id_prefix(info.id(), "/change/").to_owned())
    }

    async fn change_status(&self, change_id: &str) -> Result<ChangeStatus, Error> {
        let change_id = strip_id_prefix(change_id, "/change/");
        let output = self
            .client
            .get_change()
            .id(change_id)
            .send()
            .await
            .map_err(|err| Error::from_sdk(GET_CHANGE, err))?;
        let info = output.change_info().ok_or_else(|| Error::MissingField {
            operation: GET_CHANGE,
            field: "ChangeInfo",
            context: format!("change {change_id}"),
        })?;
        change_status_from_sdk(info.status(), change_id)
    }
}

/// Route 53 returns ids as `/hostedzone/Z…` and `/change/C…` but accepts them bare;
/// every id that leaves this crate is bare, so ids compare equal wherever they came from.
pub fn strip_id_prefix<'a>(id: &'a str, prefix: &str) -> &'a str {
    id.trim().strip_prefix(prefix).unwrap_or(id.trim())
}

pub(crate) fn change_status_from_sdk(
    status: &SdkChangeStatus,
    change_id: &str,
) -> Result<ChangeStatus, Error> {
    match status {
        SdkChangeStatus::Insync => Ok(ChangeStatus::InSync),
        SdkChangeStatus::Pending => Ok(ChangeStatus::Pending),
        other => Err(Error::InvalidField {
            operation: GET_CHANGE,
            field: "ChangeInfo.Status",
            value: other.as_str().to_owned(),
            context: format!("change {change_id}"),
            reason: "expected PENDING or INSYNC",
        }),
    }
}

/// Decodes Route 53's escapes in a returned name: `\ddd` (three octal digits) is the
/// byte `ddd` (`\052` is `*`, `\100` is `@`), `\c` is `c`.
pub fn decode_name(name: &str) -> Result<String, Error> {
    let bytes = name.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            let octal = bytes
                .get(i + 1..i + 4)
                .filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
            if let Some(digits) = octal {
                let value = digits
                    .iter()
                    .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
                let byte = u8::try_from(value)
                    .map_err(|_| invalid_name(name, "octal escape above \\377"))?;
                decoded.push(byte);
                i += 4;
                continue;
            }
            if let Some(&next) = bytes.get(i + 1) {
                decoded.push(next);
                i += 2;
                continue;
            }
            return Err(invalid_name(name, "dangling backslash"));
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(decoded).map_err(|_| invalid_name(name, "escapes decode to invalid UTF-8"))
}

fn invalid_name(name: &str, reason: &'static str) -> Error {
    Error::InvalidField {
        operation: LIST,
        field: "ResourceRecordSet.Name",
        value: name.to_owned(),
        context: "record name".to_owned(),
        reason,
    }
}

/// A Route 53 record set as the domain sees it. Alias records have no values and no TTL;
/// they are kept (so the planner sees the name is taken) but cannot be matched by a
/// DELETE built from this type.
pub(crate) fn record_from_sdk(sdk: &ResourceRecordSet) -> Result<RecordSet, Error> {
    let name = normalize_name(&decode_name(sdk.name())?);
    let record_type = match sdk.r#type().as_str() {
        "CNAME" => RecordType::Cname,
        "TXT" => RecordType::Txt,
        other => RecordType::Other(other.to_owned()),
    };
    let ttl = sdk
        .ttl()
        .map(|ttl| {
            u32::try_from(ttl).map_err(|_| Error::InvalidField {
                operation: LIST,
                field: "TTL",
                value: ttl.to_string(),
                context: format!("record {name}"),
                reason: "TTL must be within 0..=4294967295",
            })
        })
        .transpose()?;
    let weight = sdk
        .weight()
        .map(|weight| {
            u32::try_from(weight).map_err(|_| Error::InvalidField {
                operation: LIST,
                field: "Weight",
                value: weight.to_string(),
                context: format!("record {name}"),
                reason: "weight must be within 0..=4294967295",
            })
        })
        .transpose()?;
    Ok(RecordSet {
        record_type,
        ttl,
        values: sdk
            .resource_records()
            .iter()
            .map(|r| r.value().to_owned())
            .collect(),
        set_identifier: sdk.set_identifier().map(str::to_owned),
        weight,
        name,
    })
}

/// The domain record as Route 53 wants it in a change.
pub(crate) fn record_to_sdk(record: &RecordSet) -> Result<ResourceRecordSet, Error> {
    let resource_records = record
        .values
        .iter()
        .map(|value| ResourceRecord::builder().value(value).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| build_error(&record.name, err))?;
    ResourceRecordSet::builder()
        .name(&record.name)
        .r#type(RrType::from(record.record_type.as_str()))
        .set_ttl(record.ttl.map(i64::from))
        .set_resource_records(Some(resource_records).filter(|r| !r.is_empty()))
        .set_set_identifier(record.set_identifier.clone())
        .set_weight(record.weight.map(i64::from))
        .build()
        .map_err(|err| build_error(&record.name, err))
}

fn build_error(name: &str, err: aws_smithy_types::error::operation::BuildError) -> Error {
    Error::InvalidRequest {
        operation: CHANGE,
        reason: format!("record {name} cannot be expressed as a Route 53 record set"),
        source: Some(Box::new(err)),
    }
}

/// The changes as one Route 53 batch, in the given order (Route 53 applies a batch
/// atomically, so order only matters for readability of the request).
pub(crate) fn change_batch_to_sdk(changes: &[Change], comment: &str) -> Result<ChangeBatch, Error> {
    if changes.is_empty() {
        return Err(Error::InvalidRequest {
            operation: CHANGE,
            reason: "a change batch needs at least one change".to_owned(),
            source: None,
        });
    }
    if changes.len() > MAX_CHANGES_PER_BATCH {
        return Err(Error::InvalidRequest {
            operation: CHANGE,
            reason: format!(
                "{} changes exceed Route 53's limit of {MAX_CHANGES_PER_BATCH} per batch",
                changes.len()
            ),
            source: None,
        });
    }
    let sdk_changes = changes
        .iter()
        .map(|change| {
            let action = match change.action {
                ChangeAction::Create => SdkChangeAction::Create,
                ChangeAction::Delete => SdkChangeAction::Delete,
                ChangeAction::Upsert => SdkChangeAction::Upsert,
            };
            SdkChange::builder()
                .action(action)
                .resource_record_set(record_to_sdk(&change.record)?)
                .build()
                .map_err(|err| build_error(&change.record.name, err))
        })
        .collect::<Result<Vec<_>, _>>()?;
    ChangeBatch::builder()
        .set_changes(Some(sdk_changes))
        .set_comment(Some(comment.to_owned()).filter(|c| !c.is_empty()))
        .build()
        .map_err(|err| build_error("(batch)", err))
}

/// Route 53's sort key of a normalised name: labels reversed, then a trailing dot
/// (`replica1.cache.internal.` → `internal.cache.replica1.`).
fn sort_key(name: &str) -> String {
    let trimmed = name.trim_end_matches('.');
    if trimmed.is_empty() {
        return ".".to_owned();
    }
    let mut key = trimmed.rsplit('.').collect::<Vec<_>>().join(".");
    key.push('.');
    key
}

/// `name` sorts after every name of the subtree at `apex`: nothing later can be inside.
fn past_subtree(name: &str, apex: &str) -> bool {
    let name_key = sort_key(name);
    let apex_key = sort_key(apex);
    apex != "." && name_key > apex_key && !name_key.starts_with(&apex_key)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn sdk_record(name: &str, rr_type: &str, ttl: i64, values: &[&str]) -> ResourceRecordSet {
        ResourceRecordSet::builder()
            .name(name)
            .r#type(RrType::from(rr_type))
            .ttl(ttl)
            .set_resource_records(Some(
                values
                    .iter()
                    .map(|v| ResourceRecord::builder().value(*v).build().unwrap())
                    .collect(),
            ))
            .build()
            .unwrap()
    }

    #[test]
    fn escapes_in_names_are_decoded() {
        assert_eq!(
            decode_name("\\052.cache.internal.").unwrap(),
            "*.cache.internal."
        );
        assert_eq!(decode_name("a\\100b.internal.").unwrap(), "a@b.internal.");
        assert_eq!(decode_name("a\\.b.").unwrap(), "a.b.");
        assert_eq!(decode_name("plain.").unwrap(), "plain.");
        assert!(decode_name("broken\\").is_err());
        assert!(decode_name("\\777.").is_err());
    }

    #[test]
    fn cname_converts_with_normalised_name_ttl_and_value() {
        let sdk = sdk_record(
            "Replica1.Cache.Internal",
            "CNAME",
            10,
            &["orders-002.abc.cache.amazonaws.com"],
        );
        assert_eq!(
            record_from_sdk(&sdk).unwrap(),
            RecordSet {
                name: "replica1.cache.internal.".into(),
                record_type: RecordType::Cname,
                ttl: Some(10),
                values: vec!["orders-002.abc.cache.amazonaws.com".into()],
                set_identifier: None,
                weight: None,
            }
        );
    }

    #[test]
    fn txt_values_keep_their_quotes_and_other_types_are_kept_by_name() {
        let txt = record_from_sdk(&sdk_record(
            "_rdns.replica1.cache.internal.",
            "TXT",
            10,
            &["\"owner=x\""],
        ))
        .unwrap();
        assert_eq!(txt.record_type, RecordType::Txt);
        assert_eq!(txt.values, ["\"owner=x\""]);
        let a =
            record_from_sdk(&sdk_record("\\052.cache.internal.", "A", 60, &["10.0.0.1"])).unwrap();
        assert_eq!(a.record_type, RecordType::Other("A".into()));
        assert_eq!(a.name, "*.cache.internal.");
    }

    #[test]
    fn weighted_records_carry_identifier_and_weight_both_ways() {
        let sdk = ResourceRecordSet::builder()
            .name("pool.cache.internal.")
            .r#type(RrType::Cname)
            .ttl(10)
            .set_identifier("orders-002")
            .weight(1)
            .resource_records(ResourceRecord::builder().value("x.").build().unwrap())
            .build()
            .unwrap();
        let record = record_from_sdk(&sdk).unwrap();
        assert_eq!(record.set_identifier.as_deref(), Some("orders-002"));
        assert_eq!(record.weight, Some(1));
        assert_eq!(record_to_sdk(&record).unwrap(), sdk);
    }

    #[test]
    fn negative_ttl_is_an_error() {
        let err = record_from_sdk(&sdk_record("a.internal.", "CNAME", -1, &["x."])).unwrap_err();
        assert!(
            matches!(err, Error::InvalidField { field: "TTL", .. }),
            "{err:?}"
        );
    }

    #[test]
    fn changes_convert_to_one_batch_in_order() {
        let old = RecordSet {
            name: "replica1.cache.internal.".into(),
            record_type: RecordType::Cname,
            ttl: Some(10),
            values: vec!["old.".into()],
            set_identifier: None,
            weight: None,
        };
        let new = RecordSet {
            values: vec!["new.".into()],
            ..old.clone()
        };
        let batch = change_batch_to_sdk(
            &[
                Change {
                    action: ChangeAction::Delete,
                    record: old,
                },
                Change {
                    action: ChangeAction::Create,
                    record: new,
                },
            ],
            "replica-dns orders",
        )
        .unwrap();
        assert_eq!(batch.comment(), Some("replica-dns orders"));
        let summary: Vec<_> = batch
            .changes()
            .iter()
            .map(|c| {
                let rrs = c.resource_record_set().unwrap();
                (
                    c.action().as_str(),
                    rrs.name(),
                    rrs.ttl(),
                    rrs.resource_records()[0].value(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("DELETE", "replica1.cache.internal.", Some(10), "old."),
                ("CREATE", "replica1.cache.internal.", Some(10), "new.")
            ]
        );
    }

    #[test]
    fn empty_and_oversized_batches_are_refused_before_the_call() {
        let err = change_batch_to_sdk(&[], "").unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Fatal);
        let record = RecordSet {
            name: "a.internal.".into(),
            record_type: RecordType::Txt,
            ttl: Some(10),
            values: vec!["\"v\"".into()],
            set_identifier: None,
            weight: None,
        };
        let many = vec![
            Change {
                action: ChangeAction::Upsert,
                record
            };
            MAX_CHANGES_PER_BATCH + 1
        ];
        let err = change_batch_to_sdk(&many, "").unwrap_err();
        assert!(err.to_string().contains("1001 changes"), "{err}");
    }

    #[test]
    fn ids_lose_their_prefixes() {
        assert_eq!(strip_id_prefix("/hostedzone/Z123", "/hostedzone/"), "Z123");
        assert_eq!(strip_id_prefix("Z123", "/hostedzone/"), "Z123");
        assert_eq!(strip_id_prefix("/change/C9", "/change/"), "C9");
    }

    #[test]
    fn change_statuses_map_and_unknown_ones_are_errors() {
        assert_eq!(
            change_status_from_sdk(&SdkChangeStatus::Insync, "c").unwrap(),
            ChangeStatus::InSync
        );
        assert_eq!(
            change_status_from_sdk(&SdkChangeStatus::Pending, "c").unwrap(),
            ChangeStatus::Pending
        );
        assert!(change_status_from_sdk(&SdkChangeStatus::from("LOST"), "c").is_err());
    }

    #[test]
    fn subtree_membership_is_by_whole_labels() {
        let apex = "orders.cache.internal.";
        assert!(in_subtree("orders.cache.internal.", apex));
        assert!(in_subtree("replica1.orders.cache.internal.", apex));
        assert!(in_subtree("_rdns.replica1.orders.cache.internal.", apex));
        assert!(!in_subtree("xorders.cache.internal.", apex));
        assert!(!in_subtree("orders-b.cache.internal.", apex));
        assert!(in_subtree("anything.", "."));
    }

    #[test]
    fn listing_stops_only_past_the_subtree_in_route53_order() {
        let apex = "orders.cache.internal.";
        // Route 53 order: orders-b sorts before the apex ('-' < '.'), orders0 after.
        assert!(!past_subtree("orders-b.cache.internal.", apex));
        assert!(!past_subtree("x.orders-b.cache.internal.", apex));
        assert!(!past_subtree("replica9.orders.cache.internal.", apex));
        assert!(past_subtree("orders0.cache.internal.", apex));
        assert!(past_subtree("zeta.cache.internal.", apex));
        assert!(past_subtree("other.internal2.", apex));
        assert!(!past_subtree("anything.", "."));
    }

    #[test]
    fn sort_key_reverses_labels() {
        assert_eq!(
            sort_key("replica1.cache.internal."),
            "internal.cache.replica1."
        );
        assert_eq!(sort_key("."), ".");
    }
}
