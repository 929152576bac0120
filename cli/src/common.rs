//! What every subcommand shares: how the config is named, exit codes, and
//! colour on a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code for a denied request or a failing check or test.
pub const EXIT_FAIL: u8 = 1;
/// Exit code for a usage or config error.
pub const EXIT_USAGE: u8 = 2;

/// The config path from `--config` or the first positional argument.
pub fn config_path(flag: Option<PathBuf>, positional: Option<PathBuf>) -> Result<PathBuf, String> {
    match (flag, positional) {
        (Some(_), Some(_)) => Err("give the config once: `--config FILE` or a first argument".to_owned()),
        (Some(p), None) | (None, Some(p)) => Ok(p),
        (None, None) => Err("a config is required: `--config FILE` or a first argument".to_owned()),
    }
}

/// Prints `claimcheck CMD: message` on stderr and returns exit code 2.
pub fn usage(cmd: &str, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("claimcheck {cmd}: {message}");
    ExitCode::from(EXIT_USAGE)
}

/// Terminal colours, off when stdout is not a terminal or `NO_COLOR` is set.
#[derive(Clone, Copy)]
pub struct Paint {
    on: bool,
}

impl Paint {
    /// Colours for stdout.
    pub fn stdout() -> Paint {
        Paint { on: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() }
    }

    fn wrap(self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Green.
    pub fn good(self, text: &str) -> String {
        self.wrap("32", text)
    }

    /// Red.
    pub fn bad(self, text: &str) -> String {
        self.wrap("31", text)
    }

    /// Yellow.
    pub fn warn(self, text: &str) -> String {
        self.wrap("33", text)
    }

    /// Bold.
    pub fn bold(self, text: &str) -> String {
        self.wrap("1", text)
    }
}
