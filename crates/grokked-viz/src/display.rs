//! Rich display in evcxr notebooks: [`Svg`] charts and [`HtmlTable`]s of DataFrames show inline
//! (evcxr calls a value's `evcxr_display` method); everywhere else they are plain values.
//!
//! ```
//! use grokked_viz::display::HtmlTable;
//! use polars::prelude::*;
//! let df = DataFrame::new(2, vec![Column::new("split".into(), ["train", "id<test>"]), Column::new("acc".into(), [1.0, 0.5])]).unwrap();
//! let html = HtmlTable(df).to_html();
//! assert!(html.contains("<th>split</th>") && html.contains("id&lt;test&gt;") && html.contains("<td>0.5</td>"));
//! ```

use polars::prelude::*;

/// An SVG document.
#[derive(Debug, Clone, PartialEq)]
pub struct Svg(pub String);

impl Svg {
    /// Reads an SVG file (e.g. a plot an analysis wrote) to show it inline.
    pub fn from_file(path: &std::path::Path) -> grokked_model::error::Result<Self> {
        std::fs::read_to_string(path)
            .map(Svg)
            .map_err(|e| grokked_model::error::GrokError::io(path, e))
    }

    /// Shows the SVG inline in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT image/svg+xml\n{}\nEVCXR_END_CONTENT",
            self.0
        );
    }
}

/// A DataFrame shown as an HTML table (polars itself only prints text).
#[derive(Debug, Clone)]
pub struct HtmlTable(pub DataFrame);

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn cell(v: &AnyValue) -> String {
    match v {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => escape(s),
        AnyValue::Float64(f) => format!("{}", (f * 1e4).round() / 1e4),
        other => escape(&other.to_string()),
    }
}

impl HtmlTable {
    /// Rows shown at most.
    pub const MAX_ROWS: usize = 200;

    /// The table as HTML (the first [`HtmlTable::MAX_ROWS`] rows).
    pub fn to_html(&self) -> String {
        let df = &self.0;
        let mut html = String::from("<table><thead><tr>");
        for name in df.get_column_names() {
            html.push_str(&format!("<th>{}</th>", escape(name)));
        }
        html.push_str("</tr></thead><tbody>");
        for i in 0..df.height().min(Self::MAX_ROWS) {
            html.push_str("<tr>");
            for col in df.columns() {
                let v = col.get(i).unwrap_or(AnyValue::Null);
                html.push_str(&format!("<td>{}</td>", cell(&v)));
            }
            html.push_str("</tr>");
        }
        html.push_str("</tbody></table>");
        if df.height() > Self::MAX_ROWS {
            html.push_str(&format!(
                "<p>{} of {} rows</p>",
                Self::MAX_ROWS,
                df.height()
            ));
        }
        html
    }

    /// Shows the table inline in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT",
            self.to_html()
        );
    }
}
