//! Privileges for live capture and injection: CAP_NET_RAW, a friendly error without it, and
//! dropping privileges once the handles are open.
//!
//! Capture and injection need CAP_NET_RAW only to *open* the packet socket. So the commands
//! check for it first ([`check`]), open every handle, then call [`drop_privileges`] before
//! reading a single packet: root becomes the invoking sudo user (or `nobody`), and a binary
//! given the capability with `setcap cap_net_raw=ep` clears its capability sets. A failed drop
//! is a warning, not an error ([`drop_or_warn`]); `crate::live::open_checked` does the whole
//! sequence for a capture.

use std::io;

/// Bit number of CAP_NET_RAW (linux/capability.h).
pub const CAP_NET_RAW: u32 = 13;

/// The one-line error shown without the privilege: it names both fixes.
pub fn permission_message(interface: &str) -> String {
    let exe = std::env::current_exe()
        .ok()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "dhcpscope".to_owned());
    format!(
        "capturing on {interface} needs CAP_NET_RAW: run it with sudo, or grant it once with `sudo setcap cap_net_raw=ep {exe}`"
    )
}

#[derive(Debug, thiserror::Error)]
pub enum PrivilegeError {
    #[error("{}", permission_message(.0))]
    NoNetRaw(String),
    #[error("cannot drop privileges: {0}")]
    Drop(io::Error),
}

/// Capability sets of this process (effective, permitted), from /proc/self/status.
pub fn capability_sets() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
    };
    Some((field("CapEff:")?, field("CapPrm:")?))
}

/// True when this process may open packet sockets. A capability that is permitted but not
/// effective (`setcap cap_net_raw=p`) is raised first.
pub fn has_net_raw() -> bool {
    let bit = 1u64 << CAP_NET_RAW;
    match capability_sets() {
        Some((eff, _)) if eff & bit != 0 => true,
        Some((_, prm)) if prm & bit != 0 => caps::raise_net_raw().is_ok(),
        Some(_) => false,
        // No /proc: let the open decide.
        None => true,
    }
}

/// Fails with the friendly message when capturing on `interface` cannot work.
pub fn check(interface: &str) -> Result<(), PrivilegeError> {
    if has_net_raw() {
        Ok(())
    } else {
        Err(PrivilegeError::NoNetRaw(interface.to_owned()))
    }
}

/// What [`drop_privileges`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// Root switched to this user and group.
    ToUser { uid: u32, gid: u32 },
    /// A non-root process cleared its capability sets.
    Capabilities,
}

/// User and group root drops to: the sudo caller when there is one, else `nobody`/`nogroup`.
fn target_ids() -> (u32, u32) {
    let env_id = |name| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|&id| id != 0)
    };
    match (env_id("SUDO_UID"), env_id("SUDO_GID")) {
        (Some(uid), Some(gid)) => (uid, gid),
        _ => (65534, 65534),
    }
}

/// Gives up every privilege once the capture and injection handles are open (they keep
/// working). Call it from the main thread before starting other threads.
pub fn drop_privileges() -> Result<Dropped, PrivilegeError> {
    // SAFETY: plain libc calls without pointers (setgroups gets an empty list).
    unsafe {
        if libc::geteuid() == 0 {
            let (uid, gid) = target_ids();
            let fail = || PrivilegeError::Drop(io::Error::last_os_error());
            if libc::setgroups(0, std::ptr::null()) != 0 {
                return Err(fail());
            }
            if libc::setgid(gid) != 0 {
                return Err(fail());
            }
            if libc::setuid(uid) != 0 {
                return Err(fail());
            }
            if libc::geteuid() == 0 || libc::getuid() == 0 {
                return Err(PrivilegeError::Drop(io::Error::other(
                    "still root after setuid",
                )));
            }
            return Ok(Dropped::ToUser { uid, gid });
        }
    }
    caps::clear_all().map_err(PrivilegeError::Drop)?;
    Ok(Dropped::Capabilities)
}

/// [`drop_privileges`] with the one rule every live command follows: a failure (e.g. in a
/// restricted container) is a warning on stderr and the command goes on with the handles it
/// opened. `None` when the drop failed.
pub fn drop_or_warn() -> Option<Dropped> {
    match drop_privileges() {
        Ok(d) => Some(d),
        Err(e) => {
            eprintln!("dhcpscope: warning: {e}");
            None
        }
    }
}

#[cfg(target_os = "linux")]
mod caps {
    //! capget/capset (there is no libc wrapper; the kernel ABI is three u32 pairs).
    use std::io;

    const VERSION_3: u32 = 0x2008_0522;

    #[repr(C)]
    struct Header {
        version: u32,
        pid: libc::c_int,
    }

    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }

    fn get() -> io::Result<[Data; 2]> {
        let mut h = Header {
            version: VERSION_3,
            pid: 0,
        };
        let mut d = [Data::default(); 2];
        // SAFETY: header and a two-element data array, as the v3 ABI requires.
        let rc = unsafe { libc::syscall(libc::SYS_capget, &mut h, d.as_mut_ptr()) };
        if rc == 0 {
            Ok(d)
        } else {
            Err(io::Error::last_os_error())
        }
    }

    fn set(d: &[Data; 2]) -> io::Result<()> {
        let mut h = Header {
            version: VERSION_3,
            pid: 0,
        };
        // SAFETY: as in `get`; the kernel only reads the data.
        let rc = unsafe { libc::syscall(libc::SYS_capset, &mut h, d.as_ptr()) };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    pub fn raise_net_raw() -> io::Result<()> {
        let mut d = get()?;
        d[0].effective |= 1 << super::CAP_NET_RAW;
        set(&d)
    }

    pub fn clear_all() -> io::Result<()> {
        let d = get()?;
        if d.iter().all(|x| x.effective == 0 && x.permitted == 0) {
            return Ok(());
        }
        set(&[Data::default(); 2])
    }
}

#[cfg(not(target_os = "linux"))]
mod caps {
    use std::io;
    pub fn raise_net_raw() -> io::Result<()> {
        Err(io::Error::other("capabilities are Linux-only"))
    }
    pub fn clear_all() -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_both_fixes_on_one_line() {
        let m = permission_message("eth0");
        assert!(m.contains("sudo"));
        assert!(m.contains("setcap cap_net_raw=ep"));
        assert!(m.contains("eth0"));
        assert!(!m.contains('\n'));
    }

    #[test]
    fn capability_sets_are_readable() {
        assert!(capability_sets().is_some());
    }
}
