//! Contract: every type, field and argument the sandbox serves exists in Jobber's vendored
//! schema (`graphql/schema/jobber.graphql`) with the same type, and every interface a sandbox
//! type implements is one Jobber's type implements. The sandbox may serve less than Jobber,
//! never something different.

use std::collections::HashMap;
use std::path::PathBuf;

use async_graphql_parser::Positioned;
use async_graphql_parser::parse_schema;
use async_graphql_parser::types::{FieldDefinition, TypeDefinition, TypeKind, TypeSystemDefinition};

fn types(sdl: &str) -> HashMap<String, TypeDefinition> {
    parse_schema(sdl)
        .expect("SDL parses")
        .definitions
        .into_iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Type(t) => Some((t.node.name.node.to_string(), t.node)),
            _ => None,
        })
        .collect()
}

fn kind(k: &TypeKind) -> &'static str {
    match k {
        TypeKind::Scalar => "scalar",
        TypeKind::Object(_) => "type",
        TypeKind::Interface(_) => "interface",
        TypeKind::Union(_) => "union",
        TypeKind::Enum(_) => "enum",
        TypeKind::InputObject(_) => "input",
    }
}

const BUILTIN: &[&str] = &["String", "Int", "Float", "Boolean", "ID"];

#[test]
fn served_schema_is_a_subset_of_jobbers() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../graphql/schema/jobber.graphql");
    let jobber = types(&std::fs::read_to_string(path).expect("vendored Jobber schema"));
    let ours = types(&jobber_sandbox::sdl());
    assert!(ours.len() > 30, "the sandbox serves a real schema");
    let mut problems = Vec::new();
    for (name, ty) in &ours {
        if BUILTIN.contains(&name.as_str()) || name.starts_with("__") {
            continue;
        }
        let Some(theirs) = jobber.get(name) else {
            problems.push(format!("type {name} is not in Jobber's schema"));
            continue;
        };
        if kind(&ty.kind) != kind(&theirs.kind) {
            problems.push(format!("{name} is a {} in Jobber's schema", kind(&theirs.kind)));
            continue;
        }
        match (&ty.kind, &theirs.kind) {
            (TypeKind::Object(o), TypeKind::Object(j)) => {
                for i in &o.implements {
                    if !j.implements.iter().any(|x| x.node == i.node) {
                        problems.push(format!("{name} implements {} here, not at Jobber", i.node));
                    }
                }
                compare_fields(name, &o.fields, &j.fields, &mut problems);
            }
            (TypeKind::Interface(o), TypeKind::Interface(j)) => {
                compare_fields(name, &o.fields, &j.fields, &mut problems);
            }
            (TypeKind::InputObject(o), TypeKind::InputObject(j)) => {
                for f in &o.fields {
                    let f = &f.node;
                    match j.fields.iter().find(|x| x.node.name.node == f.name.node) {
                        None => problems.push(format!("{name}.{} is not in Jobber's schema", f.name.node)),
                        Some(jf) if jf.node.ty.node.to_string() != f.ty.node.to_string() => {
                            problems.push(format!(
                                "{name}.{}: {} here, {} at Jobber",
                                f.name.node, f.ty.node, jf.node.ty.node
                            ));
                        }
                        Some(_) => {}
                    }
                }
            }
            (TypeKind::Enum(o), TypeKind::Enum(j)) => {
                for v in &o.values {
                    if !j.values.iter().any(|x| x.node.value.node == v.node.value.node) {
                        problems.push(format!("{name}.{} is not in Jobber's schema", v.node.value.node));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(problems.is_empty(), "schema drift:\n{}", problems.join("\n"));
}

/// Every field (with its type) and argument (with its type) of ours exists at Jobber.
fn compare_fields(
    name: &str,
    ours: &[Positioned<FieldDefinition>],
    theirs: &[Positioned<FieldDefinition>],
    problems: &mut Vec<String>,
) {
    for f in ours {
        let f = &f.node;
        let Some(jf) = theirs.iter().find(|x| x.node.name.node == f.name.node) else {
            problems.push(format!("{name}.{} is not in Jobber's schema", f.name.node));
            continue;
        };
        if f.ty.node.to_string() != jf.node.ty.node.to_string() {
            problems
                .push(format!("{name}.{}: {} here, {} at Jobber", f.name.node, f.ty.node, jf.node.ty.node));
        }
        for a in &f.arguments {
            let a = &a.node;
            match jf.node.arguments.iter().find(|x| x.node.name.node == a.name.node) {
                None => problems
                    .push(format!("{name}.{}({}) is not in Jobber's schema", f.name.node, a.name.node)),
                Some(ja) if ja.node.ty.node.to_string() != a.ty.node.to_string() => {
                    problems.push(format!(
                        "{name}.{}({}): {} here, {} at Jobber",
                        f.name.node, a.name.node, a.ty.node, ja.node.ty.node
                    ));
                }
                Some(_) => {}
            }
        }
    }
}

#[test]
fn serves_the_visit_payment_and_payout_types_jobber_has() {
    let ours = types(&jobber_sandbox::sdl());
    for name in [
        "Visit",
        "VisitConnection",
        "PaymentRecordInterface",
        "CashPaymentRecord",
        "CheckPaymentRecord",
        "OtherPaymentRecord",
        "JobberPaymentsCreditCardPaymentRecord",
        "PaymentRecordConnection",
        "PayoutRecord",
        "PaymentBalanceTransaction",
        "BalanceTransactionInterface",
    ] {
        assert!(ours.contains_key(name), "the sandbox serves {name}");
    }
    let TypeKind::Object(query) = &ours["Query"].kind else { panic!("Query is a type") };
    let field =
        |n: &str| query.fields.iter().find(|f| f.node.name.node == n).map(|f| f.node.ty.node.to_string());
    assert_eq!(field("visit").as_deref(), Some("Visit"));
    assert_eq!(field("paymentRecord").as_deref(), Some("PaymentRecordInterface"));
    assert_eq!(field("payoutRecord").as_deref(), Some("PayoutRecord"));
}
