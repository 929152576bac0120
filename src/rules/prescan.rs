//! A cheap, non-recursive scan of rule text, run before the parser sees it.
//!
//! The cel parser and evaluator recurse, so text that nests deeply or has
//! thousands of terms can overflow a thread's stack, which aborts the whole
//! process rather than panicking. This scan bounds length, bracket nesting and
//! the number of tokens with a single loop over the bytes, so nothing the
//! parser is handed can take it anywhere near its stack.

/// Why the text was refused, with the 1-based column (in characters) where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrescanError {
    /// 1-based column, in characters, of the offending position.
    pub column: usize,
    /// Lowercase message for the user.
    pub message: String,
}

/// Checks `text` against the length, nesting and token limits.
///
/// Tokens are counted as an upper bound of syntax-tree nodes: identifiers,
/// literals and operators (punctuation such as `(`, `,` and `.` does not
/// count on its own, as it makes no node, but `.` followed by a name does
/// through the name).
pub(crate) fn prescan(
    text: &str,
    max_length: usize,
    max_depth: usize,
    max_nodes: usize,
) -> Result<(), PrescanError> {
    if text.len() > max_length {
        return Err(PrescanError {
            column: char_column(text, max_length),
            message: format!(
                "rule is too long: {} bytes exceeds the limit of {max_length}",
                text.len()
            ),
        });
    }
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut tokens = 0usize;
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        let start = i;
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return Err(PrescanError {
                        column: char_column(text, start),
                        message: format!(
                            "expression nests too deeply: more than {max_depth} levels"
                        ),
                    });
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'\'' | b'"' => {
                i = skip_string(bytes, i);
                tokens += 1;
            }
            b if b.is_ascii_whitespace() || b == b',' || b == b':' || b == b'.' => i += 1,
            b if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 => {
                // identifier, keyword or number; a string prefix (r, b, rb)
                // is scanned with the string that follows.
                while let Some(&c) = bytes.get(i) {
                    if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
                        i += 1;
                    } else {
                        break;
                    }
                }
                if let Some(&q) = bytes.get(i) {
                    let word = bytes.get(start..i).unwrap_or_default();
                    let is_prefix = word.len() <= 2
                        && word.iter().all(|c| matches!(c, b'r' | b'R' | b'b' | b'B'));
                    if (q == b'\'' || q == b'"') && is_prefix {
                        i = skip_string(bytes, i);
                    }
                }
                tokens += 1;
            }
            b'`' => {
                // escaped identifier
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    i += 1;
                    if c == b'`' {
                        break;
                    }
                }
                tokens += 1;
            }
            _ => {
                // an operator: count runs such as `&&`, `==` or `!!!` per byte,
                // since each `!` or `-` of a run is a node of its own.
                i += 1;
                tokens += 1;
            }
        }
        if tokens > max_nodes {
            return Err(PrescanError {
                column: char_column(text, start),
                message: format!("rule is too large: more than {max_nodes} syntax nodes"),
            });
        }
    }
    Ok(())
}

/// Index just past the string literal that starts at `i` (a quote).
fn skip_string(bytes: &[u8], i: usize) -> usize {
    let Some(&quote) = bytes.get(i) else {
        return i;
    };
    let triple = bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote);
    let mut j = if triple { i + 3 } else { i + 1 };
    while let Some(&c) = bytes.get(j) {
        if c == b'\\' {
            j += 2;
            continue;
        }
        if c == quote {
            if !triple {
                return j + 1;
            }
            if bytes.get(j + 1) == Some(&quote) && bytes.get(j + 2) == Some(&quote) {
                return j + 3;
            }
        }
        j += 1;
    }
    bytes.len()
}

/// The 1-based column, in characters within its line, of byte `offset`.
pub(crate) fn char_column(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    let mut line_start = 0;
    for (i, c) in text.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line_start = i + 1;
        }
    }
    text.get(line_start..offset)
        .map_or(offset - line_start, |s| s.chars().count())
        + 1
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_rules() {
        assert!(prescan(r#""AI-Users" in auth.claims.groups"#, 4096, 32, 1000).is_ok());
        assert!(prescan("[[1]] == [[1]]", 4096, 2, 1000).is_ok());
    }

    #[test]
    fn brackets_inside_strings_do_not_nest() {
        assert!(prescan(r#"'((((((' == "[[[[" && '''{{{'''"#, 4096, 1, 1000).is_ok());
        assert!(prescan(r#"r'\((' == b"(""#, 4096, 0, 1000).is_ok());
    }

    #[test]
    fn refuses_length_depth_and_size_with_column() {
        let e = prescan("aaaaa", 3, 32, 1000).unwrap_err();
        assert_eq!(e.column, 4);
        assert!(e.message.contains("too long"));
        let e = prescan("x + ((((1))))", 4096, 3, 1000).unwrap_err();
        assert_eq!(e.column, 8);
        assert!(e.message.contains("nests too deeply"));
        let chain = vec!["1"; 600].join("+");
        let e = prescan(&chain, 1 << 20, 32, 1000).unwrap_err();
        assert!(e.message.contains("too large"));
    }

    #[test]
    fn columns_count_characters_per_line() {
        assert_eq!(char_column("é(", 2), 2);
        assert_eq!(char_column("ab\ncd", 4), 2);
    }
}
