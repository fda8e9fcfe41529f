//! `bundler serve --ftp`: the tree read-only over FTP (passive mode), with libunftp (no protocol
//! code of ours) on the one tokio runtime. Connections come through the same accept loop and
//! [`Gate`] as HTTP; libunftp serves each one with a storage back-end of ours that answers only
//! through [`super::tree::Tree`] (the same "never outside the tree" rule as HTTP and TFTP), never
//! lists a folder, refuses every change, and writes each download itself so that a stalled data
//! connection is given up after the idle timeout and the log line says the bytes really sent.

use super::conn::accept_loop;
use super::limits::Gate;
use super::log::{Outcome, Served};
use super::tree::Lookup;
use super::{Listener, Serving};
use anyhow::Context as _;
use async_trait::async_trait;
use std::fmt::Debug;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWrite, AsyncWriteExt};
use unftp_core::auth::{AuthenticationError, Authenticator, Credentials, DefaultUser, Principal};
use unftp_core::storage::{Error, ErrorKind, Fileinfo, Metadata, Result, StorageBackend, FEATURE_RESTART};

/// Who may log in: anyone (anonymous, as phones configured with `ftp://host/` do), or one user.
#[derive(Clone)]
pub struct Login {
    pub user: Option<(String, String)>,
}

/// Binds `at` and serves FTP there, passive data connections on `passive` ports.
pub async fn bind(
    at: SocketAddr,
    login: Login,
    passive: RangeInclusive<u16>,
    serving: Arc<Serving>,
) -> anyhow::Result<Listener> {
    let listener = tokio::net::TcpListener::bind(at).await.with_context(|| format!("--ftp {at}: cannot listen"))?;
    let url = format!("ftp://{}/", listener.local_addr().unwrap_or(at));
    let gate = Gate::new(serving.limits.connections, serving.limits.per_peer);
    let run = async move {
        let log = serving.log.clone();
        let accepted = accept_loop("ftp", listener, gate, log, move |tcp, peer| {
            session(tcp, peer, login.clone(), passive.clone(), serving.clone())
        });
        accepted.await.with_context(|| format!("--ftp {at}: cannot accept connections"))
    };
    Ok(Listener { url, run: Box::pin(run) })
}

/// One control connection, served by libunftp with a back-end that knows the peer (for the log).
async fn session(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    login: Login,
    passive: RangeInclusive<u16>,
    s: Arc<Serving>,
) {
    let store = TreeStore { serving: s.clone(), peer };
    let auth = Arc::new(Checked { login, serving: s.clone(), peer });
    let built = libunftp::ServerBuilder::with_authenticator(Box::new(move || store.clone()), auth)
        .greeting("bundler serve: a read-only provisioning tree")
        .passive_ports(passive)
        .idle_session_timeout(s.limits.idle.as_secs().max(1))
        .build();
    match built {
        Ok(server) => {
            let _ = server.service(tcp).await;
        }
        Err(e) => s.log.line("ftp", &Served::new(peer, "-", "-").refused(None, format!("cannot serve: {e}"))),
    }
}

struct Checked {
    login: Login,
    serving: Arc<Serving>,
    peer: SocketAddr,
}

impl Debug for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Checked({})", self.login.user.as_ref().map_or("anonymous", |(u, _)| u))
    }
}

#[async_trait]
impl Authenticator for Checked {
    async fn authenticate(
        &self,
        username: &str,
        creds: &Credentials,
    ) -> std::result::Result<Principal, AuthenticationError> {
        let Some((user, password)) = &self.login.user else {
            return Ok(Principal { username: username.to_string() });
        };
        if username == user && creds.password.as_deref() == Some(password.as_str()) {
            return Ok(Principal { username: username.to_string() });
        }
        let why = "530 wrong user name or password";
        self.serving.log.line("ftp", &Served::new(self.peer, "USER", username).refused(None, why));
        Err(if username == user { AuthenticationError::BadPassword } else { AuthenticationError::BadUser })
    }
}

/// The tree as libunftp sees it: files by the tree's rule, folders to change into, nothing else.
#[derive(Clone)]
struct TreeStore {
    serving: Arc<Serving>,
    peer: SocketAddr,
}

impl Debug for TreeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TreeStore({})", self.serving.tree.root().display())
    }
}

#[derive(Debug)]
struct Meta {
    len: u64,
    dir: bool,
    modified: SystemTime,
}

impl Metadata for Meta {
    fn len(&self) -> u64 {
        self.len
    }
    fn is_dir(&self) -> bool {
        self.dir
    }
    fn is_file(&self) -> bool {
        !self.dir
    }
    fn is_symlink(&self) -> bool {
        false
    }
    fn modified(&self) -> Result<SystemTime> {
        Ok(self.modified)
    }
    fn gid(&self) -> u32 {
        0
    }
    fn uid(&self) -> u32 {
        0
    }
}

fn name(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

impl TreeStore {
    fn refuse(&self, what: &str, path: &Path, why: &str) -> Error {
        self.serving.log.line("ftp", &Served::new(self.peer, what, &name(path)).refused(None, why));
        Error::from(ErrorKind::PermissionDenied)
    }

    /// The file a RETR names, or the error libunftp answers (logged).
    fn open(&self, path: &Path) -> Result<(std::fs::File, u64)> {
        let refuse = |kind, why: String| {
            self.serving.log.line("ftp", &Served::new(self.peer, "RETR", &name(path)).refused(None, why));
            Err(Error::from(kind))
        };
        match self.serving.tree.lookup(&name(path)) {
            Lookup::File(file, meta) => Ok((file, meta.len())),
            Lookup::Missing => refuse(ErrorKind::PermanentFileNotAvailable, "MISSING: no such file in the tree".into()),
            Lookup::Refused(why) => refuse(ErrorKind::PermissionDenied, format!("REFUSED: {why}")),
            Lookup::Failed(why) => refuse(ErrorKind::LocalError, format!("cannot read it: {why}")),
        }
    }

    /// Copies the file from `start` to `out`, each write bounded by the idle timeout; the bytes
    /// written, or how many before it broke off and why.
    async fn copy<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        file: std::fs::File,
        start: u64,
        out: &mut W,
    ) -> std::result::Result<u64, (u64, String)> {
        let mut file = tokio::fs::File::from_std(file);
        file.seek(std::io::SeekFrom::Start(start)).await.map_err(|e| (0, format!("cannot seek: {e}")))?;
        let (idle, mut sent, mut buf) = (self.serving.limits.idle, 0u64, vec![0u8; 16 * 1024]);
        loop {
            let n = file.read(&mut buf).await.map_err(|e| (sent, format!("reading the file failed: {e}")))?;
            if n == 0 {
                return Ok(sent);
            }
            match tokio::time::timeout(idle, out.write_all(&buf[..n])).await {
                Ok(Ok(())) => sent += n as u64,
                Ok(Err(e)) => return Err((sent, format!("the client went away: {e}"))),
                Err(_) => return Err((sent, format!("the client read nothing for {idle:?}"))),
            }
        }
    }
}

#[async_trait]
impl StorageBackend<DefaultUser> for TreeStore {
    type Metadata = Meta;

    fn supported_features(&self) -> u32 {
        FEATURE_RESTART
    }

    async fn metadata<P: AsRef<Path> + Send + Debug>(&self, _: &DefaultUser, path: P) -> Result<Meta> {
        let text = name(path.as_ref());
        if self.serving.tree.is_folder(&text) {
            return Ok(Meta { len: 0, dir: true, modified: SystemTime::UNIX_EPOCH });
        }
        let refuse = |kind: ErrorKind, why: String| {
            self.serving.log.line("ftp", &Served::new(self.peer, "SIZE", &text).refused(None, why));
            Err(kind.into())
        };
        match self.serving.tree.lookup(&text) {
            Lookup::File(_, m) => {
                Ok(Meta { len: m.len(), dir: false, modified: m.modified().unwrap_or(SystemTime::UNIX_EPOCH) })
            }
            Lookup::Missing => refuse(ErrorKind::PermanentFileNotAvailable, "MISSING: no such file in the tree".into()),
            Lookup::Refused(why) => refuse(ErrorKind::PermissionDenied, format!("REFUSED: {why}")),
            Lookup::Failed(why) => refuse(ErrorKind::LocalError, format!("cannot read it: {why}")),
        }
    }

    async fn list<P: AsRef<Path> + Send + Debug>(
        &self,
        _: &DefaultUser,
        path: P,
    ) -> Result<Vec<Fileinfo<std::path::PathBuf, Meta>>> {
        Err(self.refuse("LIST", path.as_ref(), "REFUSED: folders are not listed"))
    }

    async fn get_into<'a, P, W: ?Sized>(&self, _: &DefaultUser, path: P, start_pos: u64, out: &'a mut W) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Sync + Send,
        P: AsRef<Path> + Send + Debug,
    {
        let (file, len) = self.open(path.as_ref())?;
        let mut served = Served::new(self.peer, "RETR", &name(path.as_ref()));
        let of = len.saturating_sub(start_pos);
        let copied = self.copy(file, start_pos, out).await;
        served.outcome = match &copied {
            Ok(n) if *n == of => Outcome::Sent(*n),
            Ok(n) => Outcome::Cut { sent: *n, of, why: "the file changed while it was sent".into() },
            Err((sent, why)) => Outcome::Cut { sent: *sent, of, why: why.clone() },
        };
        self.serving.log.line("ftp", &served);
        copied.map_err(|(_, why)| Error::new(ErrorKind::ConnectionClosed, why))
    }

    async fn get<P: AsRef<Path> + Send + Debug>(
        &self,
        _: &DefaultUser,
        path: P,
        start_pos: u64,
    ) -> Result<Box<dyn tokio::io::AsyncRead + Send + Sync + Unpin>> {
        let (file, _) = self.open(path.as_ref())?;
        let mut file = tokio::fs::File::from_std(file);
        file.seek(std::io::SeekFrom::Start(start_pos)).await.map_err(|e| Error::new(ErrorKind::LocalError, e))?;
        Ok(Box::new(file))
    }

    async fn put<P: AsRef<Path> + Send + Debug, R: tokio::io::AsyncRead + Send + Sync + Unpin + 'static>(
        &self,
        _: &DefaultUser,
        _: R,
        path: P,
        _: u64,
    ) -> Result<u64> {
        Err(self.refuse("STOR", path.as_ref(), "REFUSED: the tree is read-only"))
    }

    async fn del<P: AsRef<Path> + Send + Debug>(&self, _: &DefaultUser, path: P) -> Result<()> {
        Err(self.refuse("DELE", path.as_ref(), "REFUSED: the tree is read-only"))
    }

    async fn mkd<P: AsRef<Path> + Send + Debug>(&self, _: &DefaultUser, path: P) -> Result<()> {
        Err(self.refuse("MKD", path.as_ref(), "REFUSED: the tree is read-only"))
    }

    async fn rename<P: AsRef<Path> + Send + Debug>(&self, _: &DefaultUser, from: P, _: P) -> Result<()> {
        Err(self.refuse("RNFR", from.as_ref(), "REFUSED: the tree is read-only"))
    }

    async fn rmd<P: AsRef<Path> + Send + Debug>(&self, _: &DefaultUser, path: P) -> Result<()> {
        Err(self.refuse("RMD", path.as_ref(), "REFUSED: the tree is read-only"))
    }

    async fn cwd<P: AsRef<Path> + Send + Debug>(&self, _: &DefaultUser, path: P) -> Result<()> {
        if self.serving.tree.is_folder(&name(path.as_ref())) {
            return Ok(());
        }
        Err(self.refuse("CWD", path.as_ref(), "REFUSED: not a folder of the tree"))
    }
}
