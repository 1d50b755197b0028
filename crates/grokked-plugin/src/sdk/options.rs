//! Typed options: the config's JSON object read into a module's own serde struct, with every
//! omitted key at its default and every unknown key an error that names it.
//!
//! ```
//! use grokked_plugin::sdk::parse_options;
//! use grokked_plugin::serde::{Deserialize, Serialize};
//! #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
//! #[serde(crate = "grokked_plugin::serde")]
//! struct Loops { n: u32, k: u32 }
//! let given = serde_json::json!({"n": 3});
//! assert_eq!(parse_options::<Loops>(&given).unwrap(), Loops { n: 3, k: 0 });
//! let err = parse_options::<Loops>(&serde_json::json!({"loop": 2})).unwrap_err();
//! assert_eq!(err, "unknown option `loop` (known options: k, n)");
//! let err = parse_options::<Loops>(&serde_json::json!({"k": "two"})).unwrap_err();
//! assert!(err.starts_with("option `k`: invalid type"), "{err}");
//! // A module without options takes none.
//! parse_options::<()>(&serde_json::json!({})).unwrap();
//! let err = parse_options::<()>(&serde_json::json!({"k": 1})).unwrap_err();
//! assert_eq!(err, "unknown option `k` (the module takes no options)");
//! ```

use serde::{de::DeserializeOwned, Serialize};
use serde_json::{Map, Value};

/// The defaults of `O` as a JSON object (the keys a module accepts).
pub fn defaults<O: Serialize + Default>() -> Result<Map<String, Value>, String> {
    match serde_json::to_value(O::default()).map_err(|e| format!("options' defaults: {e}"))? {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(format!(
            "the module's options must serialise to an object (a struct), not {other}"
        )),
    }
}

/// Reads `given` (a JSON object) into `O`: omitted keys take `O::default()`'s values; an unknown
/// key, a non-object or a value of the wrong type is an error naming the key.
pub fn parse_options<O: Serialize + DeserializeOwned + Default>(
    given: &Value,
) -> Result<O, String> {
    let defaults = defaults::<O>()?;
    let given = match given {
        Value::Object(map) => map,
        Value::Null => &Map::new(),
        other => {
            return Err(format!(
                "options must be a table (a JSON object), got {other}"
            ))
        }
    };
    let mut known: Vec<&String> = defaults.keys().collect();
    known.sort();
    let known_list = known
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    for key in given.keys() {
        if !defaults.contains_key(key) {
            return Err(if known.is_empty() {
                format!("unknown option `{key}` (the module takes no options)")
            } else {
                format!("unknown option `{key}` (known options: {known_list})")
            });
        }
    }
    if defaults.is_empty() {
        // A module without options (`()` or a struct without fields): the default, as it is.
        return Ok(O::default());
    }
    let with = |keys: &mut dyn Iterator<Item = (&String, &Value)>| {
        let mut merged = defaults.clone();
        merged.extend(keys.map(|(k, v)| (k.clone(), v.clone())));
        serde_json::from_value::<O>(Value::Object(merged))
    };
    with(&mut given.iter()).map_err(|whole| {
        // Find the key whose value is wrong, to name it.
        given
            .iter()
            .find_map(|(key, value)| {
                with(&mut std::iter::once((key, value)))
                    .err()
                    .map(|e| format!("option `{key}`: {e}"))
            })
            .unwrap_or_else(|| format!("options: {whole}"))
    })
}
