//! The cues that play a box of tokens on one reader, and what each one does:
//! pure logic, no sockets (`vpcd_box` carries the plans out).
//!
//! Cues are lines of text (the control input of `kiln-sim vpcd --box`):
//!
//! | cue        | effect                                                                 |
//! |------------|------------------------------------------------------------------------|
//! | `next`     | take the card off the reader (if any), place the token after the one placed last (token 1 if none was) |
//! | `insert K` | take the card off (if any), place token K (1-based); K already on the reader: a re-tap |
//! | `remove`   | take the card off; the reader stays empty                              |
//! | `quit`     | take the card off and stop                                             |
//!
//! Blank lines and lines starting with `#` are ignored. A cue that cannot be
//! carried out (`next` after the last token, `insert 9` in a box of 3, an
//! unknown word) changes nothing and is answered with an error.

/// One cue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cue {
    Next,
    /// Token number K, 1-based as in the box file.
    Insert(usize),
    Remove,
    Quit,
}

impl Cue {
    /// A control line: `Ok(None)` for a blank line or a comment.
    pub fn parse(line: &str) -> Result<Option<Cue>, String> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return Ok(None);
        }
        let mut words = line.split_whitespace();
        let cue = match (words.next(), words.next(), words.next()) {
            (Some("next"), None, _) => Cue::Next,
            (Some("remove"), None, _) => Cue::Remove,
            (Some("quit"), None, _) => Cue::Quit,
            (Some("insert"), Some(k), None) => match k.parse::<usize>() {
                Ok(k) if k >= 1 => Cue::Insert(k),
                _ => return Err(format!("insert {k}: K is a token number from 1")),
            },
            (Some("insert"), _, _) => return Err("insert needs one token number: insert K".into()),
            _ => {
                return Err(format!(
                    "unknown cue {line:?} (expected next, insert K, remove or quit)"
                ))
            }
        };
        Ok(Some(cue))
    }
}

/// What a cue does, in this order: take a card off, place a card, stop.
/// Token numbers are 0-based here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub remove: Option<usize>,
    pub insert: Option<usize>,
    pub quit: bool,
}

/// Which token of the box is on the reader, and which was placed last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shelf {
    len: usize,
    on_reader: Option<usize>,
    last: Option<usize>,
}

impl Shelf {
    /// A box of `len` tokens, the reader empty.
    pub fn new(len: usize) -> Self {
        Self {
            len,
            on_reader: None,
            last: None,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The token on the reader (0-based).
    pub fn on_reader(&self) -> Option<usize> {
        self.on_reader
    }

    /// The token placed most recently (0-based), on the reader or not.
    pub fn last(&self) -> Option<usize> {
        self.last
    }

    /// What `cue` does now, or why it cannot be done (then nothing changes).
    pub fn plan(&self, cue: Cue) -> Result<Plan, String> {
        let remove = self.on_reader;
        match cue {
            Cue::Next => {
                let k = self.last.map_or(0, |l| l + 1);
                if k >= self.len {
                    return Err(format!(
                        "no token after #{k}: the box holds {} (use insert K or remove)",
                        self.len
                    ));
                }
                Ok(Plan {
                    remove,
                    insert: Some(k),
                    quit: false,
                })
            }
            Cue::Insert(k) => {
                if k == 0 || k > self.len {
                    return Err(format!(
                        "no token #{k}: the box holds {} (1 to {})",
                        self.len, self.len
                    ));
                }
                Ok(Plan {
                    remove,
                    insert: Some(k - 1),
                    quit: false,
                })
            }
            Cue::Remove => Ok(Plan {
                remove,
                insert: None,
                quit: false,
            }),
            Cue::Quit => Ok(Plan {
                remove,
                insert: None,
                quit: true,
            }),
        }
    }

    /// The token on the reader was taken off (by a cue or its own fault).
    pub fn removed(&mut self) {
        self.on_reader = None;
    }

    /// Token `k` (0-based) was placed on the reader.
    pub fn placed(&mut self, k: usize) {
        self.on_reader = Some(k);
        self.last = Some(k);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn cues_parse_and_bad_ones_say_why() {
        assert_eq!(Cue::parse("next").unwrap(), Some(Cue::Next));
        assert_eq!(Cue::parse("  insert 3 \r\n").unwrap(), Some(Cue::Insert(3)));
        assert_eq!(Cue::parse("remove").unwrap(), Some(Cue::Remove));
        assert_eq!(Cue::parse("quit").unwrap(), Some(Cue::Quit));
        assert_eq!(Cue::parse("").unwrap(), None);
        assert_eq!(Cue::parse("# a comment").unwrap(), None);
        for (bad, why) in [
            ("insert", "needs one token number"),
            ("insert 1 2", "needs one token number"),
            ("insert 0", "from 1"),
            ("insert -1", "from 1"),
            ("insert x", "from 1"),
            ("next please", "unknown cue"),
            ("NEXT", "unknown cue"),
            ("eject", "unknown cue"),
        ] {
            let err = Cue::parse(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    /// Plays a plan on the shelf as the box loop does.
    fn play(shelf: &mut Shelf, cue: Cue) -> Result<Plan, String> {
        let plan = shelf.plan(cue)?;
        if plan.remove.is_some() {
            shelf.removed();
        }
        if let Some(k) = plan.insert {
            shelf.placed(k);
        }
        Ok(plan)
    }

    #[test]
    fn next_walks_the_box_in_order_and_stops_at_its_end() {
        let mut s = Shelf::new(3);
        let p = play(&mut s, Cue::Next).unwrap();
        assert_eq!((p.remove, p.insert), (None, Some(0)));
        let p = play(&mut s, Cue::Next).unwrap();
        assert_eq!((p.remove, p.insert), (Some(0), Some(1)));
        let p = play(&mut s, Cue::Next).unwrap();
        assert_eq!((p.remove, p.insert), (Some(1), Some(2)));
        let before = s.clone();
        let err = play(&mut s, Cue::Next).unwrap_err();
        assert!(err.contains("no token after #3"), "{err}");
        assert_eq!(s, before, "a refused cue changes nothing");
    }

    #[test]
    fn next_after_remove_places_the_following_token() {
        let mut s = Shelf::new(3);
        play(&mut s, Cue::Next).unwrap();
        let p = play(&mut s, Cue::Remove).unwrap();
        assert_eq!((p.remove, p.insert, p.quit), (Some(0), None, false));
        assert_eq!(s.on_reader(), None);
        let p = play(&mut s, Cue::Remove).unwrap();
        assert_eq!(p, Plan::default(), "remove on an empty reader does nothing");
        let p = play(&mut s, Cue::Next).unwrap();
        assert_eq!((p.remove, p.insert), (None, Some(1)));
    }

    #[test]
    fn insert_puts_any_token_back_and_re_taps_the_one_on_the_reader() {
        let mut s = Shelf::new(3);
        play(&mut s, Cue::Insert(3)).unwrap();
        assert_eq!(s.on_reader(), Some(2));
        let p = play(&mut s, Cue::Insert(1)).unwrap();
        assert_eq!((p.remove, p.insert), (Some(2), Some(0)));
        let p = play(&mut s, Cue::Insert(1)).unwrap();
        assert_eq!((p.remove, p.insert), (Some(0), Some(0)), "a re-tap");
        // next continues after the token placed last.
        let p = play(&mut s, Cue::Next).unwrap();
        assert_eq!(p.insert, Some(1));
        for k in [0, 4] {
            let err = s.plan(Cue::Insert(k)).unwrap_err();
            assert!(err.contains(&format!("no token #{k}")), "{err}");
        }
    }

    #[test]
    fn quit_takes_the_card_off_and_stops() {
        let mut s = Shelf::new(2);
        play(&mut s, Cue::Next).unwrap();
        let p = play(&mut s, Cue::Quit).unwrap();
        assert_eq!((p.remove, p.insert, p.quit), (Some(0), None, true));
        assert_eq!(s.last(), Some(0));
    }
}
