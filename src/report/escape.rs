//! Escaping for HTML: text ([`esc`]) and link targets ([`href`]). Every renderer of `report`
//! (the report page, the batch summary, the monitoring page, the copy-number plot) escapes through
//! this module, which imports nothing of `report`: no renderer depends on another for it.

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// A URL for an `href` attribute, escaped; `#` (a link to nowhere) unless it is `http(s):` or a
/// relative path.
///
/// METHOD: a document rendered from stored JSON (`retier` renders a report.json anyone could
/// have edited) must not turn a field into script: `javascript:`, `data:`, `vbscript:` and every
/// other scheme are dropped. Browsers ignore ASCII whitespace and control characters inside a
/// scheme (`java\tscript:` runs), so they are removed before the scheme is read.
pub fn href(url: &str) -> String {
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect();
    let scheme_end = squeezed.find([':', '/', '?', '#']);
    let safe = match scheme_end {
        Some(i) if squeezed[i..].starts_with(':') => {
            matches!(
                squeezed[..i].to_ascii_lowercase().as_str(),
                "http" | "https"
            )
        }
        _ => true,
    };
    if safe {
        esc(url.trim())
    } else {
        "#".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_relative_links_are_rendered() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
        ] {
            assert_eq!(href(bad), "#", "{bad:?}");
        }
        assert_eq!(href("https://civicdb.org/e/1"), "https://civicdb.org/e/1");
        assert_eq!(href("HTTP://x.org/?a=1&b=2"), "HTTP://x.org/?a=1&amp;b=2");
        assert_eq!(href("P1_T/report.html"), "P1_T/report.html");
        assert_eq!(href("logs/P1_T.log"), "logs/P1_T.log");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
    }
}
