//! The parse cache: the model of a large TASKS.md, kept under `.baton/cache/` and keyed by
//! the exact bytes it was parsed from.
//!
//! An entry is used only when the file's length and 128-bit hash, the configuration, the
//! file's path and the build that wrote it (`BATON_MODEL_ID`, a fingerprint of the model's
//! sources) all match, and its own checksum holds; anything else is a miss and the file is
//! parsed as usual. Nothing derived from the rest of the workspace (whether a link's target
//! exists, claim ages) is cached. Entries are written without fsync and replaced by rename:
//! a lost or torn entry only costs one parse. `BATON_CACHE=off` turns the cache off,
//! `BATON_CACHE=always` uses it for files of any size, and `BATON_CACHE=verify` also
//! parses on every hit and stops with exit 70 if the cached model differs (tests).

use crate::model::{Document, ParseEnv};

pub mod codec;
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::{Xxh3Default, xxh3_64, xxh3_128};

/// Files smaller than this parse faster than an entry is read back (50 tasks, 2.2 KB:
/// `status` took 2.13 ms parsed and 1.84 ms from an entry).
const MIN_BYTES: usize = 2 * 1024;
const MAGIC: &[u8; 8] = b"BATONMC1";
const HEADER: usize = 8 + 8 + 8 + 8 + 16 + 8 + 8;
pub const ENV: &str = "BATON_CACHE";

/// Where a document's model came from (for tests and `--verbose`-style diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Parsed,
    Cached,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Off,
    Auto,
    Always,
    Verify,
}

fn mode() -> Mode {
    match std::env::var(ENV).as_deref() {
        Ok("off") | Ok("0") => Mode::Off,
        Ok("always") => Mode::Always,
        Ok("verify") => Mode::Verify,
        _ => Mode::Auto,
    }
}

/// The cache of one workspace.
pub struct Cache {
    dir: PathBuf,
    mode: Mode,
}

/// What an entry must match besides the text.
struct Key {
    env: u64,
    len: u64,
    hash: u128,
}

impl Key {
    fn new(text: &str, env: &ParseEnv) -> Key {
        let model_id = u64::from_str_radix(env!("BATON_MODEL_ID"), 16).unwrap_or(0);
        let fingerprint = format!("{model_id}\0{:?}\0{:?}", env.config, env.rel_path);
        Key {
            env: xxh3_64(fingerprint.as_bytes()),
            len: text.len() as u64,
            hash: xxh3_128(text.as_bytes()),
        }
    }

    fn header(&self, payload: &[u8]) -> [u8; HEADER] {
        let mut h = [0u8; HEADER];
        h[..8].copy_from_slice(MAGIC);
        h[8..16].copy_from_slice(&self.env.to_le_bytes());
        h[16..24].copy_from_slice(&self.len.to_le_bytes());
        // 24..32 reserved
        h[32..48].copy_from_slice(&self.hash.to_le_bytes());
        h[48..56].copy_from_slice(&(payload.len() as u64).to_le_bytes());
        h[56..64].copy_from_slice(&xxh3_64(payload).to_le_bytes());
        h
    }

    /// Whether `stored` is the entry of this key's text: everything in the header up to
    /// the payload's length and checksum (which `Stored::read` checked) matches.
    fn accepts(&self, stored: &Stored) -> bool {
        stored.head[..48] == self.header(&[])[..48]
    }
}

/// An entry read whole from disk, its checksum verified, not yet matched to a text (so
/// that it can be read while the text is).
pub struct Stored {
    head: [u8; HEADER],
    records: Vec<u8>,
    pool: String,
}

impl Stored {
    /// The entry at `path` (see `codec` for records and pool), when it is whole. Read in
    /// parts, so that the pool becomes a string in place.
    fn read(path: &Path) -> Option<Stored> {
        use std::io::Read;
        let mut f = std::fs::File::open(path).ok()?;
        let mut first = [0u8; HEADER + codec::LAYOUT];
        f.read_exact(&mut first).ok()?;
        let len = u64::from_le_bytes(first[48..56].try_into().ok()?);
        let sum = u64::from_le_bytes(first[56..64].try_into().ok()?);
        // Sizes come from the file: checked against its length before anything is allocated.
        if first[..8] != *MAGIC || f.metadata().ok()?.len() != (HEADER as u64).checked_add(len)? {
            return None;
        }
        // The pool is in two parts, around the records: read into one string.
        let (records_at, extra_at) = codec::layout(&first[HEADER..])?;
        let base = records_at - codec::LAYOUT;
        let extra = usize::try_from(len).ok()?.checked_sub(extra_at)?;
        // Read into reserved room: no zeroing first.
        let mut read = |v: &mut Vec<u8>, n: usize| {
            v.reserve_exact(n);
            let want = v.len() + n;
            (&mut f).take(n as u64).read_to_end(v).ok()?;
            (v.len() == want).then_some(())
        };
        let mut records = Vec::new();
        let mut pool = Vec::new();
        read(&mut pool, base)?;
        read(&mut records, extra_at - records_at)?;
        read(&mut pool, extra)?;
        if f.read(&mut [0u8; 1]).ok()? != 0 {
            return None;
        }
        let mut h = Xxh3Default::new();
        h.update(&first[HEADER..]);
        h.update(&pool[..base]);
        h.update(&records);
        h.update(&pool[base..]);
        if h.digest() != sum {
            return None;
        }
        Some(Stored {
            head: first[..HEADER].try_into().ok()?,
            records,
            pool: String::from_utf8(pool).ok()?,
        })
    }
}

/// `BATON_CACHE=verify`: a cached model must equal a fresh parse.
fn verify(doc: &Document, env: &ParseEnv) {
    if *doc != Document::parse(doc.text.to_string(), env) {
        eprintln!(
            "baton: internal error: the cached model of {} differs from a fresh parse",
            crate::text::slash_path(&env.rel_path)
        );
        std::process::exit(70);
    }
}

impl Cache {
    pub fn new(root: &Path) -> Cache {
        Cache {
            dir: root.join(crate::config::STATE_DIR).join("cache"),
            mode: mode(),
        }
    }

    fn entry_path(&self, env: &ParseEnv) -> PathBuf {
        let name = env
            .rel_path
            .to_string_lossy()
            .replace(['/', '\\'], "%")
            .replace("..", "%%");
        self.dir.join(format!("{name}.model"))
    }

    fn applies(&self, text: &str) -> bool {
        match self.mode {
            Mode::Off => false,
            Mode::Always | Mode::Verify => true,
            Mode::Auto => text.len() >= MIN_BYTES,
        }
    }

    /// Parse `text`, or take its model from the cache; a parsed model is stored.
    pub fn parse(&self, text: String, env: &ParseEnv) -> (Document, Source) {
        self.parse_read(text, env, None)
    }

    /// The entry of the file at `env.rel_path` as it is on disk, for `parse_read`: read on
    /// another thread while the (large) file itself is.
    pub fn read_entry(&self, env: &ParseEnv) -> impl FnOnce() -> Option<Stored> + Send + 'static {
        let path = (self.mode != Mode::Off).then(|| self.entry_path(env));
        move || Stored::read(&path?)
    }

    /// `parse`, given the entry already read (`Some(None)`: there is none).
    pub fn parse_read(
        &self,
        text: String,
        env: &ParseEnv,
        read: Option<Option<Stored>>,
    ) -> (Document, Source) {
        if !self.applies(&text) {
            return (Document::parse(text, env), Source::Parsed);
        }
        let key = Key::new(&text, env);
        let path = self.entry_path(env);
        let stored = read.unwrap_or_else(|| Stored::read(&path));
        let text = match stored.filter(|s| key.accepts(s)) {
            Some(s) => codec::decode_parts(&s.records, s.pool, text, env.rel_path.clone()),
            None => Err(text),
        };
        let text = match text {
            Ok(doc) => {
                if self.mode == Mode::Verify {
                    verify(&doc, env);
                }
                return (doc, Source::Cached);
            }
            Err(text) => text,
        };
        let doc = Document::parse(text, env);
        self.entry_at(&key, path, &doc).write();
        (doc, Source::Parsed)
    }

    /// The entry recording `doc` as the model of its text (after an edit whose model was
    /// derived rather than parsed), made but not yet written: so that it can be made while
    /// the text it models is being committed, and written once it is.
    pub fn entry(&self, doc: &Document, env: &ParseEnv) -> Option<Entry> {
        if self.mode == Mode::Verify {
            verify(doc, env);
        }
        self.applies(&doc.text)
            .then(|| self.entry_at(&Key::new(&doc.text, env), self.entry_path(env), doc))
    }

    /// The entry of `doc` under `key`: header, then the encoded model.
    fn entry_at(&self, key: &Key, path: PathBuf, doc: &Document) -> Entry {
        // The payload is written after room for the header, which is filled in last.
        let mut bytes = codec::encode(doc, HEADER);
        let head = key.header(&bytes[HEADER..]);
        bytes[..HEADER].copy_from_slice(&head);
        Entry {
            dir: self.dir.clone(),
            path,
            bytes,
        }
    }
}

/// A cache entry ready to be written.
pub struct Entry {
    dir: PathBuf,
    path: PathBuf,
    bytes: Vec<u8>,
}

impl Entry {
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn write(self) {
        if let Some(old) = self.write_aside() {
            let _ = std::fs::remove_file(old);
        }
    }

    /// `write`, leaving the entry it replaces under another name, returned for the caller
    /// to remove (after the workspace lock is released).
    pub fn write_aside(&self) -> Option<PathBuf> {
        if !self.dir.is_dir() {
            if std::fs::create_dir_all(&self.dir).is_err() {
                return None;
            }
            // Keep the cache out of version control even where `.baton/` is not ignored.
            let _ = std::fs::write(self.dir.join(".gitignore"), "*\n");
        }
        // Temp files of killed runs go; a concurrent writer whose temp file this removes
        // just leaves no entry.
        crate::atomic::cleanup(&self.dir);
        crate::atomic::replace_unsynced(&self.path, &self.bytes)
            .ok()
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn env(config: &Config) -> ParseEnv<'_> {
        ParseEnv {
            config,
            rel_path: "TASKS.md".into(),
        }
    }

    fn cache_in(d: &tempfile::TempDir, mode: Mode) -> Cache {
        Cache {
            dir: d.path().join("cache"),
            mode,
        }
    }

    fn sample() -> String {
        let mut s = String::from(
            "\u{feff}# Plan\r\n\r\n## Instance Coordination\r\n\r\n| Instance | Current Task |\r\n|---|---|\r\n| 1 | Available |\r\n\r\n",
        );
        for i in 0..40 {
            s.push_str(&format!(
                "## {i} Part [Instance 2]\r\n**Spec**: [s](docs/specs/{i}.md)\r\n\r\n- [ ] [Instance 1] {i}.1 Do `x` (spec: [a](../out.md))\r\n  - [x] {i}.1.1 Nested é\r\n- [~] {i}.2 Other\r\n\r\n```\r\n- [ ] not a task\r\n```\r\n"
            ));
        }
        s
    }

    #[test]
    fn a_cached_model_equals_the_parsed_one() {
        let d = tempfile::tempdir().unwrap();
        let config = Config::default();
        let cache = cache_in(&d, Mode::Always);
        let text = sample();
        let (parsed, src) = cache.parse(text.clone(), &env(&config));
        assert_eq!(src, Source::Parsed);
        assert!(!parsed.tasks.is_empty() && parsed.coordination.is_some());
        let (cached, src) = cache.parse(text.clone(), &env(&config));
        assert_eq!(src, Source::Cached);
        assert_eq!(cached, parsed);
        assert_eq!(
            std::fs::read_to_string(d.path().join("cache/.gitignore")).unwrap(),
            "*\n"
        );
    }

    #[test]
    fn any_difference_is_a_miss() {
        let d = tempfile::tempdir().unwrap();
        let config = Config::default();
        let cache = cache_in(&d, Mode::Always);
        let text = sample();
        cache.parse(text.clone(), &env(&config));
        // One byte changed, same length.
        let other = text.replacen("Do `x`", "Do `y`", 1);
        let (doc, src) = cache.parse(other.clone(), &env(&config));
        assert_eq!(src, Source::Parsed);
        assert_eq!(doc, Document::parse(other, &env(&config)));
        // Another configuration.
        cache.parse(text.clone(), &env(&config));
        let config2 = Config {
            template_sections: vec!["Part".into()],
            ..Config::default()
        };
        let (doc, src) = cache.parse(text.clone(), &env(&config2));
        assert_eq!(src, Source::Parsed);
        assert_eq!(doc, Document::parse(text.clone(), &env(&config2)));
        // A corrupted entry.
        cache.parse(text.clone(), &env(&config));
        let path = cache.entry_path(&env(&config));
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x55;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(cache.parse(text.clone(), &env(&config)).1, Source::Parsed);
        // A truncated one.
        std::fs::write(&path, &bytes[..10]).unwrap();
        assert_eq!(cache.parse(text.clone(), &env(&config)).1, Source::Parsed);
        assert_eq!(cache.parse(text.clone(), &env(&config)).1, Source::Cached);
        // A byte more, a byte flipped past the layout, a length the file does not have.
        let good = std::fs::read(&path).unwrap();
        let mut longer = good.clone();
        longer.push(b'x');
        let mut flipped = good.clone();
        flipped[HEADER + codec::LAYOUT + 12] ^= 1;
        let mut huge = good.clone();
        huge[48..56].copy_from_slice(&u64::MAX.to_le_bytes());
        for bad in [longer, flipped, huge] {
            std::fs::write(&path, &bad).unwrap();
            assert_eq!(cache.parse(text.clone(), &env(&config)).1, Source::Parsed);
            assert_eq!(
                std::fs::read(&path).unwrap(),
                good,
                "the entry is written anew"
            );
        }
    }

    #[test]
    fn small_files_and_off_skip_the_cache() {
        let d = tempfile::tempdir().unwrap();
        let config = Config::default();
        for mode in [Mode::Auto, Mode::Off] {
            let cache = cache_in(&d, mode);
            let text = "# P\n- [ ] a\n".to_string();
            assert_eq!(cache.parse(text.clone(), &env(&config)).1, Source::Parsed);
            assert_eq!(cache.parse(text, &env(&config)).1, Source::Parsed);
        }
        assert!(!d.path().join("cache").exists());
    }
}
