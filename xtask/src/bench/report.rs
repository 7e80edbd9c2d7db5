//! The benchmark report: the machine, the versions, a table of every contender and the
//! ratios against their targets, as Markdown.

use std::fmt::Write as _;
use std::process::Command;

use super::stats::Samples;
use crate::workspace;

/// One contender's results.
pub(crate) struct Row {
    /// The section of the table, such as `fixed server, encrypt 1 KiB`.
    pub(crate) section: &'static str,
    /// The contender, such as `qpher-async, 64 in flight`.
    pub(crate) name: String,
    /// The unit of the samples, such as `requests/s`.
    pub(crate) unit: &'static str,
    /// One value per round.
    pub(crate) samples: Samples,
}

/// A ratio of two medians and its target.
pub(crate) struct Ratio {
    /// The compared pair, such as `qpher-async / reqwest, 1 in flight`.
    pub(crate) name: String,
    /// The measured ratio.
    pub(crate) value: f64,
    /// The target bound.
    pub(crate) target: f64,
    /// Whether the target is an upper bound (`≤`) rather than a lower bound (`≥`).
    pub(crate) upper_bound: bool,
}

impl Ratio {
    /// Returns `true` when the ratio meets its target.
    pub(crate) fn met(&self) -> bool {
        if self.upper_bound {
            self.value <= self.target
        } else {
            self.value >= self.target
        }
    }

    /// Describes the gap to the target in percent of the target, for a missed ratio.
    pub(crate) fn gap(&self) -> String {
        let percent = (self.value - self.target).abs() / self.target * 100.0;
        if self.upper_bound {
            format!("{percent:.0} % above the target")
        } else {
            format!("{percent:.0} % below the target")
        }
    }
}

/// The machine the benchmarks ran on.
pub(crate) struct Machine {
    /// The CPU model name from `/proc/cpuinfo`.
    pub(crate) cpu_model: String,
    /// The logical CPUs available to this process.
    pub(crate) cores: usize,
    /// Total memory from `/proc/meminfo`.
    pub(crate) memory: String,
    /// The kernel release.
    pub(crate) kernel: String,
    /// `rustc --version`.
    pub(crate) rustc: String,
    /// The interop environment's `python --version`.
    pub(crate) python: String,
}

impl Machine {
    /// Reads the machine's description; a value that cannot be read is `unknown`.
    pub(crate) fn read(python: &std::path::Path) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name"))
            .and_then(|rest| rest.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, name)| name.trim().to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|value| {
                value
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map_or_else(
                || "unknown".to_owned(),
                |kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0),
            );
        Self {
            cpu_model,
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            memory,
            kernel: command_output("uname", &["-r"]),
            rustc: command_output("rustc", &["--version"]),
            python: command_output(&python.to_string_lossy(), &["--version"]),
        }
    }
}

/// Returns the trimmed standard output of a command, or `unknown` when it fails.
fn command_output(program: &str, arguments: &[&str]) -> String {
    Command::new(program)
        .args(arguments)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Returns the 1, 5 and 15 minute load averages from `/proc/loadavg`.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The crates whose versions the report lists.
const LISTED_CRATES: [&str; 14] = [
    "qpher-core",
    "qpher-async",
    "qpher-blocking",
    "qpher-server",
    "reqwest",
    "hyper",
    "ureq",
    "tokio",
    "axum",
    "serde_json",
    "base64",
    "libcrux-ml-kem",
    "libcrux-ml-dsa",
    "rusqlite",
];

/// Returns `name version` for every listed crate found in `Cargo.lock`.
pub(crate) fn crate_versions() -> Vec<String> {
    let lock = std::fs::read_to_string(workspace::root().join("Cargo.lock")).unwrap_or_default();
    let mut versions = Vec::new();
    for package in lock.split("[[package]]") {
        let value = |key: &str| {
            package
                .lines()
                .find_map(|line| line.strip_prefix(key))
                .map(|rest| rest.trim().trim_matches('"').to_owned())
        };
        if let (Some(name), Some(version)) = (value("name = "), value("version = "))
            && LISTED_CRATES.contains(&name.as_str())
        {
            versions.push(format!("{name} {version}"));
        }
    }
    versions.sort();
    versions
}

/// Everything one report shows.
pub(crate) struct Report<'a> {
    /// The command that produced the report.
    pub(crate) command: &'a str,
    /// The machine.
    pub(crate) machine: &'a Machine,
    /// Load averages at the start and at the end of the run.
    pub(crate) load: (String, String),
    /// The measurement method, one line per section.
    pub(crate) method: &'a [String],
    /// Every contender.
    pub(crate) rows: &'a [Row],
    /// Every ratio.
    pub(crate) ratios: &'a [Ratio],
    /// Profiles of the missed targets, as Markdown sections.
    pub(crate) profiles: &'a [String],
}

impl Report<'_> {
    /// Renders the report as Markdown.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Benchmarks\n");
        let _ = writeln!(
            out,
            "Written by `{}`; rerun it to refresh every figure on this page.\n",
            self.command
        );

        let _ = writeln!(out, "## Machine\n");
        let machine = self.machine;
        let _ = writeln!(
            out,
            "- CPU: {} ({} logical cores)",
            machine.cpu_model, machine.cores
        );
        let _ = writeln!(out, "- memory: {}", machine.memory);
        let _ = writeln!(out, "- kernel: {}", machine.kernel);
        let _ = writeln!(out, "- {}", machine.rustc);
        let _ = writeln!(
            out,
            "- {} with the Python SDK {}",
            machine.python,
            crate::interop::PYTHON_SDK.replace("==", " ")
        );
        let _ = writeln!(
            out,
            "- load average (1, 5, 15 min): {} at the start, {} at the end\n",
            self.load.0, self.load.1
        );

        let _ = writeln!(out, "## Versions\n");
        let _ = writeln!(out, "From `Cargo.lock`: {}.\n", crate_versions().join(", "));

        let _ = writeln!(out, "## Method\n");
        for line in self.method {
            let _ = writeln!(out, "- {line}");
        }
        let _ = writeln!(out);

        let _ = writeln!(out, "## Results\n");
        let _ = writeln!(
            out,
            "| section | contender | median | min–max | unit | rounds |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---|---:|");
        for row in self.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {}–{} | {} | {} |",
                row.section,
                row.name,
                figure(row.samples.median()),
                figure(row.samples.min()),
                figure(row.samples.max()),
                row.unit,
                row.samples.len()
            );
        }
        let _ = writeln!(out);

        let _ = writeln!(out, "## Ratios against targets\n");
        let _ = writeln!(out, "Each ratio divides medians from the table above.\n");
        let _ = writeln!(out, "| ratio | measured | target | result |");
        let _ = writeln!(out, "|---|---:|---:|---|");
        for ratio in self.ratios {
            let bound = if ratio.upper_bound { "≤" } else { "≥" };
            let result = if ratio.met() {
                "met".to_owned()
            } else {
                format!("missed, {}", ratio.gap())
            };
            let _ = writeln!(
                out,
                "| {} | {:.2}× | {bound} {}× | {result} |",
                ratio.name, ratio.value, ratio.target
            );
        }
        let _ = writeln!(out);

        if !self.profiles.is_empty() {
            let _ = writeln!(out, "## Where the time goes in the missed targets\n");
            for profile in self.profiles {
                let _ = writeln!(out, "{profile}");
            }
        }
        out
    }
}

/// Formats a figure with three significant digits, or as a whole number from 1000 up.
fn figure(value: f64) -> String {
    if value >= 1000.0 {
        format!("{value:.0}")
    } else if value >= 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_bounds() {
        let lower = Ratio {
            name: "a".to_owned(),
            value: 0.9,
            target: 0.95,
            upper_bound: false,
        };
        assert!(!lower.met());
        assert_eq!(lower.gap(), "5 % below the target");

        let upper = Ratio {
            name: "b".to_owned(),
            value: 2.5,
            target: 3.0,
            upper_bound: true,
        };
        assert!(upper.met());
    }

    #[test]
    fn figures_by_magnitude() {
        assert_eq!(figure(12345.6), "12346");
        assert_eq!(figure(123.45), "123.5");
        assert_eq!(figure(1.234), "1.23");
    }
}
