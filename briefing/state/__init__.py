"""What a build leaves for the next, so that it does only what changed: one home for it.

- `stamps`: what says an article file is unchanged (inode, times, size), and the walk of content/;
- `cache`: parsed articles by file stamp and rendered bodies by hash (`Store`, SQLite), the
  `Layered` tables, and how the build's objects are pickled (registered here with `copyreg`,
  so the domain classes know nothing of it);
- `manifest`: each output file's inputs key, hash, links and ids;
- `snapshot`: each article's place and card and each page's recipe, for the quick path;
- `build_state`: what the last build saw, for the no-change check and the link verdicts;
- `atomic`: the one write-then-rename every file of it goes through.

Everything here can be deleted at any time; the next build then takes the full path.
"""
