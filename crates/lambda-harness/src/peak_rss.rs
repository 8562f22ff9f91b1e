//! Peak resident memory of a live process, the figure Lambda reports as "Max Memory Used", read from Linux's
//! `/proc/<pid>/status` (`VmHWM`, the high-water mark of resident memory).

/// `None` once the process is gone (its `/proc` entry, or at least `VmHWM`, disappears) or off Linux.
pub(crate) fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_hwm(&status)
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    let value = status.lines().find_map(|line| line.strip_prefix("VmHWM:"))?;
    value.trim().strip_suffix("kB")?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_high_water_mark_in_kib() {
        let status = "Name:\techo\nVmPeak:\t  20000 kB\nVmHWM:\t    4321 kB\nVmRSS:\t    4000 kB\n";

        assert_eq!(parse_vm_hwm(status), Some(4321));
    }

    #[test]
    fn a_zombie_without_memory_lines_has_no_peak() {
        assert_eq!(parse_vm_hwm("Name:\techo\nState:\tZ (zombie)\n"), None);
    }

    #[test]
    fn this_process_has_a_peak() {
        assert!(peak_rss_kib(std::process::id()).is_some_and(|kib| kib > 0));
    }
}
