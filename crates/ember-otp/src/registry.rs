//! # Registry: a local key → process registry (Elixir `Registry`)
//!
//! Processes register themselves under keys with a value; anyone can look a key up or
//! dispatch to its entries. Keys are [`Keys::Unique`] (one process per key) or
//! [`Keys::Duplicate`] (any number, and one process may register a key many times).
//!
//! A small pubsub, as in Elixir's docs:
//!
//! ```
//! use ember_otp::registry::{Keys, Registry};
//! use ember_rt::{Mailbox, Pid};
//!
//! let rt = ember_rt::Runtime::new().unwrap();
//! rt.run(|mut mb: Mailbox<String>| async move {
//!     // Elixir: Registry.start_link(keys: :duplicate, name: PubSub)
//!     let pubsub: Registry<&'static str, Pid<String>> = Registry::new(Keys::Duplicate);
//!     pubsub.start_link().unwrap();
//!     let me = mb.pid();
//!     for _ in 0..2 {
//!         let pubsub = pubsub.clone();
//!         ember_rt::spawn(move |mut inbox: Mailbox<String>| async move {
//!             // Elixir: Registry.register(PubSub, "news", [])
//!             pubsub.register("news", inbox.pid()).unwrap();
//!             me.send("subscribed".into());
//!             let news = inbox.recv().await;
//!             me.send(format!("got {news}"));
//!         });
//!     }
//!     assert_eq!(mb.recv().await, "subscribed");
//!     assert_eq!(mb.recv().await, "subscribed");
//!     // Elixir: Registry.dispatch(PubSub, "news", fn entries -> for {pid, _} <- entries, do: send(pid, ...) end)
//!     pubsub.dispatch(&"news", |entries| {
//!         for (_, inbox) in entries {
//!             inbox.send("hello".into());
//!         }
//!     });
//!     assert_eq!(mb.recv().await, "got hello");
//!     assert_eq!(mb.recv().await, "got hello");
//! }).unwrap();
//! ```
//!
//! ## Invariants
//! - **Ownership.** The table lives behind the [`Registry`] handle (shared, like Elixir's
//!   ETS tables): `register`/`unregister` write it *in the calling process*, `lookup`,
//!   `dispatch`, `count` read it from anywhere. A *partition process*
//!   ([`Registry::start_link`] or [`Registry::child_spec`]) owns the entries' lifetimes: it
//!   traps exits and **links** every registered process; when one dies, its entries are
//!   removed — asynchronously, when the partition handles the `Exit` (H7).
//! - `register` needs a running partition ([`RegistryError::NotRunning`] otherwise). Starting
//!   a partition clears the table (a restarted registry starts empty, as in Elixir); a
//!   partition exiting clears the table unless another partition has taken over.
//! - The partition exits with its parent's reason; registered processes are linked to it and
//!   die with it unless they trap exits (Elixir: the registering process is linked to a
//!   partition).
//! - `dispatch` calls its function in the caller, outside any lock, and only if there are
//!   entries.
//!
//! ## Deviations
//! - One partition (Elixir's `partitions:` option is not supported).
//! - `lookup`, `dispatch` and `match_values` skip entries of processes that are already dead
//!   but not yet cleaned up, for both key kinds (Elixir does so for unique keys only);
//!   `count` and `keys` may still include them for a moment.
//! - `meta` values are typed: `meta::<T>(key)` returns `None` if the value is not a `T`.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use ember_rt::{ExitReason, Mailbox, Message, Pid, SpawnOpts};

use crate::child::{ChildSpec, Started};

/// The kind of keys (Elixir `keys: :unique | :duplicate`).
///
/// ```
/// use ember_otp::registry::Keys;
/// assert_ne!(Keys::Unique, Keys::Duplicate);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keys {
    /// One process per key.
    Unique,
    /// Any number of entries per key, also from the same process.
    Duplicate,
}

/// A registry operation failed.
///
/// ```
/// use ember_otp::registry::RegistryError;
/// assert_eq!(RegistryError::NotRunning.to_string(), "the registry has no running partition");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The unique key belongs to this live process (Elixir `{:already_registered, pid}`),
    /// also when it is the caller.
    #[error("already registered by {0}")]
    AlreadyRegistered(Pid),
    /// `register`/`unregister`/`start_link` act as the calling process and must be called
    /// from one.
    #[error("must be called from an ember process")]
    NotInProcess,
    /// No partition process runs for this registry: start it first.
    #[error("the registry has no running partition")]
    NotRunning,
    /// A partition already runs for this registry.
    #[error("the registry's partition already runs as {0}")]
    AlreadyRunning(Pid),
}

/// The messages a partition process receives.
pub(crate) enum PartitionMsg {
    Registered(Pid),
    Unregistered(Pid),
}

struct Tables<K, V> {
    by_key: HashMap<K, Vec<(Pid, V)>>,
    by_pid: HashMap<Pid, Vec<K>>,
    owner: Option<Pid<PartitionMsg>>,
}

type Meta = HashMap<String, Arc<dyn Any + Send + Sync>>;

struct Inner<K, V> {
    keys: Keys,
    tables: RwLock<Tables<K, V>>,
    meta: RwLock<Meta>,
}

/// A registry handle (Elixir: the registry name). Cheap to clone; share it with the
/// processes that use it.
///
/// ```
/// use ember_otp::registry::{Keys, Registry};
/// let rt = ember_rt::Runtime::new().unwrap();
/// rt.block_on(async {
///     let reg: Registry<String, u32> = Registry::new(Keys::Unique);
///     reg.start_link().unwrap();
///     reg.register("me".to_string(), 1).unwrap();
///     assert_eq!(reg.lookup(&"me".to_string()), vec![(ember_rt::self_pid(), 1)]);
/// }).unwrap();
/// ```
pub struct Registry<K, V> {
    inner: Arc<Inner<K, V>>,
}

impl<K, V> Clone for Registry<K, V> {
    fn clone(&self) -> Self {
        Registry {
            inner: self.inner.clone(),
        }
    }
}

impl<K, V> fmt::Debug for Registry<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("keys", &self.inner.keys)
            .finish_non_exhaustive()
    }
}

impl<K, V> Registry<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// An empty registry with no partition running yet.
    ///
    /// ```
    /// use ember_otp::registry::{Keys, Registry};
    /// let reg: Registry<u32, ()> = Registry::new(Keys::Duplicate);
    /// assert_eq!(reg.keys_kind(), Keys::Duplicate);
    /// ```
    pub fn new(keys: Keys) -> Registry<K, V> {
        let tables = Tables {
            by_key: HashMap::new(),
            by_pid: HashMap::new(),
            owner: None,
        };
        Registry {
            inner: Arc::new(Inner {
                keys,
                tables: RwLock::new(tables),
                meta: RwLock::new(HashMap::new()),
            }),
        }
    }

    /// Whether keys are unique or duplicate.
    ///
    /// ```
    /// use ember_otp::registry::{Keys, Registry};
    /// assert_eq!(Registry::<u8, u8>::new(Keys::Unique).keys_kind(), Keys::Unique);
    /// ```
    pub fn keys_kind(&self) -> Keys {
        self.inner.keys
    }

    fn read(&self) -> RwLockReadGuard<'_, Tables<K, V>> {
        self.inner
            .tables
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Tables<K, V>> {
        self.inner
            .tables
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Start the partition process, linked to the caller (Elixir `Registry.start_link/1`).
    /// Clears the table. Returns the partition's pid.
    ///
    /// ```
    /// use ember_otp::registry::{Keys, Registry, RegistryError};
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let reg: Registry<u8, ()> = Registry::new(Keys::Unique);
    /// let p = reg.start_link().unwrap();
    /// assert_eq!(reg.start_link(), Err(RegistryError::AlreadyRunning(p)));
    /// # }).unwrap();
    /// ```
    pub fn start_link(&self) -> Result<Pid, RegistryError> {
        let parent = ember_rt::try_self_pid().ok_or(RegistryError::NotInProcess)?;
        let mut t = self.write();
        if let Some(owner) = t.owner.filter(|o| o.is_alive()) {
            return Err(RegistryError::AlreadyRunning(owner.untyped()));
        }
        let reg = self.clone();
        let opts = SpawnOpts::new().link().trap_exit(true);
        let spawned = ember_rt::spawn_opt(opts, move |mb: Mailbox<PartitionMsg>| {
            partition(mb, parent, reg)
        })
        .map_err(|_| RegistryError::NotRunning)?;
        t.by_key.clear();
        t.by_pid.clear();
        t.owner = Some(spawned.pid);
        Ok(spawned.pid.untyped())
    }

    /// A child spec that starts this registry's partition (Elixir
    /// `{Registry, keys: :unique, name: Name}` in a children list).
    ///
    /// ```
    /// use ember_otp::registry::{Keys, Registry};
    /// use ember_otp::supervisor::{Flags, Supervisor};
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let reg: Registry<u8, ()> = Registry::new(Keys::Unique);
    /// let _sup = Supervisor::start_link(Flags::default(), [reg.child_spec("registry")]).await.unwrap();
    /// reg.register(1, ()).unwrap();
    /// # }).unwrap();
    /// ```
    pub fn child_spec(&self, id: impl Into<Arc<str>>) -> ChildSpec {
        let reg = self.clone();
        ChildSpec::new(id, move || {
            let r = reg.start_link();
            async move { r.map(Started::Pid).map_err(ExitReason::error) }
        })
    }

    /// Register the calling process under `key` with `value` (Elixir `Registry.register/3`).
    ///
    /// ```
    /// use ember_otp::registry::{Keys, Registry, RegistryError};
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let reg: Registry<&str, ()> = Registry::new(Keys::Unique);
    /// reg.start_link().unwrap();
    /// reg.register("k", ()).unwrap();
    /// assert_eq!(reg.register("k", ()), Err(RegistryError::AlreadyRegistered(ember_rt::self_pid())));
    /// # }).unwrap();
    /// ```
    pub fn register(&self, key: K, value: V) -> Result<(), RegistryError> {
        let me = ember_rt::try_self_pid().ok_or(RegistryError::NotInProcess)?;
        let owner = {
            let mut t = self.write();
            let owner = t
                .owner
                .filter(|o| o.is_alive())
                .ok_or(RegistryError::NotRunning)?;
            if self.inner.keys == Keys::Unique {
                let current = t.by_key.get(&key).and_then(|e| e.first()).map(|(p, _)| *p);
                if let Some(pid) = current {
                    if pid.is_alive() {
                        return Err(RegistryError::AlreadyRegistered(pid));
                    }
                    // A dead owner not cleaned up yet: take its place.
                    remove_entries(&mut t, &key, pid);
                }
            }
            t.by_key.entry(key.clone()).or_default().push((me, value));
            t.by_pid.entry(me).or_default().push(key);
            owner
        };
        owner.send(PartitionMsg::Registered(me));
        Ok(())
    }

    /// Remove all of the caller's entries under `key` (Elixir `Registry.unregister/2`).
    ///
    /// ```
    /// use ember_otp::registry::{Keys, Registry};
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let reg: Registry<&str, ()> = Registry::new(Keys::Duplicate);
    /// reg.start_link().unwrap();
    /// reg.register("k", ()).unwrap();
    /// reg.unregister(&"k").unwrap();
    /// assert!(reg.lookup(&"k").is_empty());
    /// # }).unwrap();
    /// ```
    pub fn unregister(&self, key: &K) -> Result<(), RegistryError> {
        let me = ember_rt::try_self_pid().ok_or(RegistryError::NotInProcess)?;
        let owner = {
            let mut t = self.write();
            remove_entries(&mut t, key, me);
            t.owner
        };
        if let Some(owner) = owner {
            owner.send(PartitionMsg::Unregistered(me));
        }
        Ok(())
    }

    /// The entries under `key`, as `(pid, value)` (Elixir `Registry.lookup/2`).
    ///
    /// ```
    /// use ember_otp::registry::{Keys, Registry};
    /// let reg: Registry<&str, u8> = Registry::new(Keys::Unique);
    /// assert!(reg.lookup(&"nobody").is_empty());
    /// ```
    pub fn lookup(&self, key: &K) -> Vec<(Pid, V)> {
        self.match_values(key, |_| true)
    }

    /// The entries under `key` whose value satisfies `pred` (Elixir `Registry.match/3`).
    ///
    /// ```
    /// use ember_otp::registry::{Keys, Registry};
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let reg: Registry<&str, u32> = Registry::new(Keys::Duplicate);
    /// reg.start_link().unwrap();
    /// reg.register("n", 1).unwrap();
    /// reg.register("n", 2).unwrap();
    /// let even: Vec<u32> = reg.match_values(&"n", |v| v % 2 == 0).into_iter().map(|(_, v)| v).collect();
    /// assert_eq!(even, [2]);
    /// # }).unwrap();
    /// ```
    pub fn match_values(&self, key: &K, mut pred: impl FnMut(&V) -> bool) -> Vec<(Pid, V)> {
        let entries: Vec<(Pid, V)> = self.read().by_key.get(key).cloned().unwrap_or_default();
        entries
            .into_iter()
            .filter(|(pid, v)| pid.is_alive() && pred(v))
            .collect()
    }

    /// Call `f` in the caller with the entries under `key`; not called if there are none
    /// (Elixir `Registry.dispatch/3`).
    ///
    /// ```
    /// use ember_otp::registry::{Keys, Registry};
    /// let reg: Registry<&str, u8> = Registry::new(Keys::Duplicate);
    /// reg.dispatch(&"empty", |_| unreachable!("no entries: not called"));
    /// ```
    pub fn dispatch(&self, key: &K, f: impl FnOnce(&[(Pid, V)])) {
        let entries = self.lookup(key);
        if !entries.is_empty() {
            f(&entries);
        }
    }

    /// The keys `pid` is registered under (Elixir `Registry.keys/2`).
    ///
    /// ```
    /// use ember_otp::registry::{Keys, Registry};
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let reg: Registry<&str, ()> = Registry::new(Keys::Unique);
    /// reg.start_link().unwrap();
    /// reg.register("a", ()).unwrap();
    /// assert_eq!(reg.keys(ember_rt::self_pid()), ["a"]);
    /// # }).unwrap();
    /// ```
    pub fn keys(&self, pid: Pid) -> Vec<K> {
        self.read().by_pid.get(&pid).cloned().unwrap_or_default()
    }

    /// The number of entries (Elixir `Registry.count/1`).
    ///
    /// ```
    /// use ember_otp::registry::{Keys, Registry};
    /// assert_eq!(Registry::<u8, u8>::new(Keys::Unique).count(), 0);
    /// ```
    pub fn count(&self) -> usize {
        self.read().by_key.values().map(Vec::len).sum()
    }

    /// The metadata stored under `key`, if it is a `T` (Elixir `Registry.meta/2`).
    ///
    /// ```
    /// use ember_otp::registry::{Keys, Registry};
    /// let reg: Registry<u8, u8> = Registry::new(Keys::Unique);
    /// reg.put_meta("answer", 42u32);
    /// assert_eq!(reg.meta::<u32>("answer"), Some(42));
    /// assert_eq!(reg.meta::<String>("answer"), None);
    /// assert_eq!(reg.meta::<u32>("missing"), None);
    /// ```
    pub fn meta<T: Clone + Send + Sync + 'static>(&self, key: &str) -> Option<T> {
        let meta = self
            .inner
            .meta
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        meta.get(key).and_then(|v| v.downcast_ref::<T>()).cloned()
    }

    /// Store metadata under `key` (Elixir `Registry.put_meta/3`).
    ///
    /// ```
    /// use ember_otp::registry::{Keys, Registry};
    /// let reg: Registry<u8, u8> = Registry::new(Keys::Unique);
    /// reg.put_meta("mode", "fast");
    /// assert_eq!(reg.meta::<&str>("mode"), Some("fast"));
    /// ```
    pub fn put_meta<T: Send + Sync + 'static>(&self, key: &str, value: T) {
        let mut meta = self
            .inner
            .meta
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        meta.insert(key.to_string(), Arc::new(value));
    }

    /// Remove every entry of `pid` (it died).
    fn remove_pid(&self, pid: Pid) {
        let mut t = self.write();
        if let Some(keys) = t.by_pid.remove(&pid) {
            for key in keys {
                if let Some(entries) = t.by_key.get_mut(&key) {
                    entries.retain(|(p, _)| *p != pid);
                    if entries.is_empty() {
                        t.by_key.remove(&key);
                    }
                }
            }
        }
    }

    fn has_entries(&self, pid: Pid) -> bool {
        self.read().by_pid.contains_key(&pid)
    }

    /// The partition `me` exits: clear the table unless another partition took over.
    fn release(&self, me: Pid<PartitionMsg>) {
        let mut t = self.write();
        if t.owner == Some(me) {
            t.by_key.clear();
            t.by_pid.clear();
            t.owner = None;
        }
    }
}

/// Remove `pid`'s entries under `key` from both indexes.
fn remove_entries<K: Eq + Hash, V>(t: &mut Tables<K, V>, key: &K, pid: Pid) {
    if let Some(entries) = t.by_key.get_mut(key) {
        entries.retain(|(p, _)| *p != pid);
        if entries.is_empty() {
            t.by_key.remove(key);
        }
    }
    if let Some(keys) = t.by_pid.get_mut(&pid) {
        keys.retain(|k| k != key);
        if keys.is_empty() {
            t.by_pid.remove(&pid);
        }
    }
}

/// The partition process: links registrants, removes the entries of the dead.
async fn partition<K, V>(
    mut mb: Mailbox<PartitionMsg>,
    parent: Pid,
    reg: Registry<K, V>,
) -> ExitReason
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    let me = mb.pid();
    loop {
        match mb.recv_any().await {
            Message::User(PartitionMsg::Registered(pid)) => {
                // Trapping: a dead pid gives an `Exit { reason: NoProc }`, handled below.
                let _ = ember_rt::link(pid);
            }
            Message::User(PartitionMsg::Unregistered(pid)) => {
                if pid != parent && !reg.has_entries(pid) {
                    ember_rt::unlink(pid);
                }
            }
            Message::Exit(e) if e.from == parent => {
                reg.release(me);
                return e.reason;
            }
            Message::Exit(e) => reg.remove_pid(e.from),
            Message::Down(_) => {}
        }
    }
}
