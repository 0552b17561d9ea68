//! Jobber's query cost, computed from the parsed query before it runs (`requested`) and from
//! the data it returned (`actual`).
//!
//! Rules (Jobber's rate-limit docs): every field costs 1; `edges`, `nodes` and `node` cost 0;
//! a connection's `edges`/`nodes` cost `first`/`last` (100 when neither is given) times what is
//! selected inside them, so nested connections multiply; `pageInfo`/`totalCount` next to them
//! are counted once. `quotes(first: 10) { edges { node { 5 fields } } }` is 50; without `first`
//! it is 500. The actual cost applies the same rules to the items really returned.
//! Introspection fields (`__typename`, `__schema`) are free.

use std::collections::HashMap;

use async_graphql::{Name, Value as ConstValue};
use async_graphql_parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, FragmentDefinition, OperationDefinition, Selection,
    SelectionSet, TypeKind, TypeSystemDefinition,
};
use async_graphql_parser::{Positioned, parse_schema};
use serde_json::Value as Json;

/// A connection without `first`/`last` is costed as this many items.
pub const DEFAULT_PAGE: u64 = 100;

/// For each object and interface type, each field's named return type: enough to tell
/// connections apart.
#[derive(Debug, Default)]
pub struct TypeMap(HashMap<String, HashMap<String, String>>);

fn base_name(ty: &BaseType) -> String {
    match ty {
        BaseType::Named(n) => n.to_string(),
        BaseType::List(inner) => base_name(&inner.base),
    }
}

impl TypeMap {
    /// Builds the map from an SDL document (the sandbox's own, exported by async-graphql).
    pub fn from_sdl(sdl: &str) -> Self {
        let mut map = HashMap::new();
        if let Ok(doc) = parse_schema(sdl) {
            for def in doc.definitions {
                let TypeSystemDefinition::Type(t) = def else {
                    continue;
                };
                // Interfaces too: `paymentRecord { ... }` selects on PaymentRecordInterface.
                let fields = match &t.node.kind {
                    TypeKind::Object(obj) => &obj.fields,
                    TypeKind::Interface(i) => &i.fields,
                    _ => continue,
                };
                let fields = fields
                    .iter()
                    .map(|f| (f.node.name.node.to_string(), base_name(&f.node.ty.node.base)))
                    .collect();
                map.insert(t.node.name.node.to_string(), fields);
            }
        }
        Self(map)
    }

    fn field_type(&self, parent: &str, field: &str) -> Option<&str> {
        self.0.get(parent)?.get(field).map(String::as_str)
    }
}

fn is_connection(ty: Option<&str>) -> bool {
    ty.is_some_and(|t| t.ends_with("Connection"))
}

fn is_free(name: &str) -> bool {
    matches!(name, "edges" | "nodes" | "node") || name.starts_with("__")
}

/// The operation that will run, as async-graphql would pick it.
pub fn pick_operation<'a>(
    doc: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(n)) => ops.get(&Name::new(n)),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        _ => None,
    }
}

fn root_type(op: &OperationDefinition) -> &'static str {
    match op.ty {
        async_graphql_parser::types::OperationType::Mutation => "Mutation",
        async_graphql_parser::types::OperationType::Subscription => "Subscription",
        async_graphql_parser::types::OperationType::Query => "Query",
    }
}

struct Walker<'a> {
    types: &'a TypeMap,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    variables: &'a Json,
    defaults: HashMap<String, Json>,
    depth: usize,
}

/// Guards against fragment cycles (validation rejects them later, but cost runs first).
const MAX_DEPTH: usize = 64;

impl Walker<'_> {
    /// The integer value of an argument, variables resolved. (The parser's non-const `Value`
    /// is not re-exported by async-graphql, so it is resolved rather than matched.)
    fn var(&self, name: &Name) -> ConstValue {
        self.variables
            .get(name.as_str())
            .or_else(|| self.defaults.get(name.as_str()))
            .and_then(|j| ConstValue::from_json(j.clone()).ok())
            .unwrap_or(ConstValue::Null)
    }

    fn requested(&mut self, set: &SelectionSet, parent: &str, multiplier: Option<u64>) -> u64 {
        if self.depth > MAX_DEPTH {
            return 0;
        }
        self.depth += 1;
        let mut total = 0u64;
        for sel in &set.items {
            total = total.saturating_add(match &sel.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let name = f.name.node.as_str();
                    let ty = self.types.field_type(parent, name).map(str::to_owned);
                    let conn = is_connection(ty.as_deref());
                    let child_mult = conn.then(|| {
                        f.arguments
                            .iter()
                            .find(|(n, _)| n.node == "first" || n.node == "last")
                            .and_then(|(_, v)| {
                                let c = v
                                    .node
                                    .clone()
                                    .into_const_with(|n| Ok::<_, std::convert::Infallible>(self.var(&n)));
                                match c {
                                    Ok(ConstValue::Number(n)) => n.as_u64(),
                                    _ => None,
                                }
                            })
                            .unwrap_or(DEFAULT_PAGE)
                    });
                    let own = u64::from(!(is_free(name) || conn));
                    let inner =
                        self.requested(&f.selection_set.node, ty.as_deref().unwrap_or(""), child_mult);
                    let cost = own.saturating_add(inner);
                    match multiplier {
                        Some(m) if matches!(name, "edges" | "nodes") => cost.saturating_mul(m),
                        _ => cost,
                    }
                }
                Selection::FragmentSpread(s) => match self.fragments.get(&s.node.fragment_name.node) {
                    Some(frag) => {
                        let on = frag.node.type_condition.node.on.node.to_string();
                        self.requested(&frag.node.selection_set.node, &on, multiplier)
                    }
                    None => 0,
                },
                Selection::InlineFragment(i) => {
                    let on = i
                        .node
                        .type_condition
                        .as_ref()
                        .map_or_else(|| parent.to_owned(), |c| c.node.on.node.to_string());
                    self.requested(&i.node.selection_set.node, &on, multiplier)
                }
            });
        }
        self.depth -= 1;
        total
    }

    fn actual(&mut self, set: &SelectionSet, parent: &str, data: &Json) -> u64 {
        let Json::Object(obj) = data else {
            return 0;
        };
        if self.depth > MAX_DEPTH {
            return 0;
        }
        self.depth += 1;
        let mut total = 0u64;
        for sel in &set.items {
            total = total.saturating_add(match &sel.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let name = f.name.node.as_str();
                    let key = f.alias.as_ref().map_or(name, |a| a.node.as_str());
                    match obj.get(key) {
                        None => 0,
                        Some(v) => {
                            let ty = self.types.field_type(parent, name).map(str::to_owned);
                            let conn = is_connection(ty.as_deref());
                            let own = u64::from(!(is_free(name) || conn));
                            let child_ty = ty.as_deref().unwrap_or("");
                            let inner = match v {
                                Json::Array(items) => items
                                    .iter()
                                    .map(|i| self.actual(&f.selection_set.node, child_ty, i))
                                    .sum(),
                                other => self.actual(&f.selection_set.node, child_ty, other),
                            };
                            own.saturating_add(inner)
                        }
                    }
                }
                Selection::FragmentSpread(s) => match self.fragments.get(&s.node.fragment_name.node) {
                    Some(frag) => {
                        let on = frag.node.type_condition.node.on.node.to_string();
                        self.actual(&frag.node.selection_set.node, &on, data)
                    }
                    None => 0,
                },
                Selection::InlineFragment(i) => {
                    let on = i
                        .node
                        .type_condition
                        .as_ref()
                        .map_or_else(|| parent.to_owned(), |c| c.node.on.node.to_string());
                    self.actual(&i.node.selection_set.node, &on, data)
                }
            });
        }
        self.depth -= 1;
        total
    }
}

fn walker<'a>(
    types: &'a TypeMap,
    doc: &'a ExecutableDocument,
    op: &OperationDefinition,
    variables: &'a Json,
) -> Walker<'a> {
    let defaults = op
        .variable_definitions
        .iter()
        .filter_map(|v| {
            let d = v.node.default_value.as_ref()?;
            let json = ConstValue::into_json(d.node.clone()).ok()?;
            Some((v.node.name.node.to_string(), json))
        })
        .collect();
    Walker { types, fragments: &doc.fragments, variables, defaults, depth: 0 }
}

/// `requestedQueryCost` of `op`.
pub fn requested(
    types: &TypeMap,
    doc: &ExecutableDocument,
    op: &OperationDefinition,
    variables: &Json,
) -> u64 {
    walker(types, doc, op, variables).requested(&op.selection_set.node, root_type(op), None)
}

/// `actualQueryCost` of `op` given the `data` it returned.
pub fn actual(
    types: &TypeMap,
    doc: &ExecutableDocument,
    op: &OperationDefinition,
    variables: &Json,
    data: &Json,
) -> u64 {
    walker(types, doc, op, variables).actual(&op.selection_set.node, root_type(op), data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql_parser::parse_query;
    use serde_json::json;

    fn types() -> TypeMap {
        TypeMap::from_sdl(&crate::graphql::build_schema().sdl())
    }

    fn cost(q: &str, vars: &Json) -> u64 {
        let doc = parse_query(q).unwrap();
        let op = pick_operation(&doc, None).unwrap();
        requested(&types(), &doc, &op.node, vars)
    }

    #[test]
    fn matches_jobbers_documented_examples() {
        let five = "id quoteNumber quoteStatus title cost";
        assert_eq!(
            cost(&format!("{{ quotes(first: 10) {{ edges {{ node {{ {five} }} }} }} }}"), &json!({})),
            50
        );
        assert_eq!(cost(&format!("{{ quotes {{ edges {{ node {{ {five} }} }} }} }}"), &json!({})), 500);
    }

    #[test]
    fn counts_variables_fragments_and_nesting() {
        let q = "query Q($n: Int = 3) { clients(first: $n) { nodes { ...C } pageInfo { hasNextPage } } }
                 fragment C on Client { id clientProperties(first: 2) { nodes { id } } }";
        // 3 × (id 1 + 2 × id 1) + pageInfo 1 + hasNextPage 1
        assert_eq!(cost(q, &json!({})), 3 * (1 + 2) + 2);
        assert_eq!(cost(q, &json!({"n": 10})), 10 * 3 + 2);
        assert_eq!(cost("{ account { id name } __typename }", &json!({})), 3);
    }

    #[test]
    fn nested_visit_and_payout_connections_multiply() {
        let q = "{ job(id: \"x\") { id visits(first: 3) { nodes { id title } } } }";
        assert_eq!(cost(q, &json!({})), 1 + 1 + 3 * 2);
        let q = "{ payoutRecord(id: \"x\") { balanceTransactions(first: 2) { nodes {
                   grossAmount ... on PaymentBalanceTransaction { paymentRecord { id invoice { id } } } } } } }";
        assert_eq!(cost(q, &json!({})), 1 + 2 * (1 + 1 + 1 + 1 + 1));
        // Fields of an interface count too.
        assert_eq!(cost("{ paymentRecord(id: \"x\") { id amount client { id } } }", &json!({})), 5);
    }

    #[test]
    fn actual_cost_follows_returned_items() {
        let q = "{ clients(first: 50) { nodes { id name } totalCount } }";
        let doc = parse_query(q).unwrap();
        let op = pick_operation(&doc, None).unwrap();
        let data = json!({"clients": {"nodes": [{"id": "a", "name": "x"}, {"id": "b", "name": "y"}], "totalCount": 2}});
        assert_eq!(actual(&types(), &doc, &op.node, &json!({}), &data), 2 * 2 + 1);
        assert_eq!(requested(&types(), &doc, &op.node, &json!({})), 50 * 2 + 1);
    }
}
