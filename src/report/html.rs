//! Small pieces of HTML: escaping, base64 data URIs, figures, the page around a report.

/// Escape text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 (RFC 4648, with padding).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A `<figure>` with an id and a caption around `body` (markup).
pub fn figure(id: &str, caption: &str, body: &str) -> String {
    format!("<figure id=\"{}\">\n{body}\n<figcaption>{}</figcaption>\n</figure>\n", escape(id), escape(caption))
}

/// Strip an XML declaration (if any) from SVG markup, for embedding in HTML.
pub fn inline_svg(svg: &str) -> &str {
    let s = svg.trim_start();
    match s.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(s, |(_, r)| r.trim_start()),
        None => s,
    }
}

fn css() -> &'static str {
    "body{font-family:sans-serif;margin:2em auto;max-width:1300px;color:#222;padding:0 1em}\
     h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}\
     table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right;white-space:nowrap}.wide{overflow-x:auto}\
     th{background:#f0f0f0}tr:nth-child(even){background:#fafafa}\
     figure{display:inline-block;margin:.5em;vertical-align:top}figcaption{font-size:.9em;color:#444;max-width:800px}\
     figure{max-width:100%}figure img,figure svg{max-width:100%;height:auto}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:.85em}\
     dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}"
}

/// A whole page: `title`, the report's styles, `body` (markup), and a footer saying who wrote it.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n{body}<footer><p>Written by harness {} at {}.</p></footer>\n</body>\n</html>\n",
        escape(title),
        css(),
        env!("CARGO_PKG_VERSION"),
        crate::results::manifest::now_utc()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_by_the_rfc_vectors() {
        let cases =
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE=")];
        for (raw, enc) in cases {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn escaping() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }

    #[test]
    fn xml_declaration_dropped() {
        assert_eq!(inline_svg("<?xml version=\"1.0\"?>\n<svg/>"), "<svg/>");
        assert_eq!(inline_svg("<svg/>"), "<svg/>");
    }
}
