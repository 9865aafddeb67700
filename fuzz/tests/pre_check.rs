//! The bracket pre-check against hcl-edit on the lexical corners the
//! fuzzers found: each text here parses, so the pre-check must pass it too.

use registry_core::hcl_brackets::check_hcl_brackets;

#[test]
fn texts_the_parser_accepts_pass_the_pre_check() {
    for text in [
        "x = \"a } ] ) ${ {k = \"}\"}.k } %{ if true }y%{ endif }\"\n",
        "x = <<EOF\nEOF\n",
        "x = <<EOF\nEOF\nb = <<EOFTF\ncontent\nEOFTF\n",
        // hcl-edit reads the longest heredoc: the first `EOT` line does not end it.
        "x {\n  v = <<EOT\nEOT'{\nEOTx\nEOT\n}\n",
        // Directive bodies are plain template text: no string end, no
        // heredoc end, no escapes inside them.
        "x = \"%{ if true }a\"b\\%{ endif }\"\n",
        "x = <<EOT\n%{ for a in b }\nEOT\n%{~ endfor }\nEOT\n",
        "x = \"a string\nover two lines\"\n",
    ] {
        assert!(
            hcl::edit::parser::parse_body(text).is_ok(),
            "hcl-edit refuses {text:?}: drop it from this list"
        );
        assert_eq!(check_hcl_brackets(text), Ok(()), "{text:?}");
    }
}
