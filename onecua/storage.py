"""Static files storage for production: hashed names and compression (whitenoise), robust to vendored files.

Django's manifest storage rewrites every `sourceMappingURL` comment to the hashed name of the map it names, and
stops the whole build when that map is not shipped (vendored minified libraries often name a map they do not
ship). A source map is a debugging aid the browser fetches only with its developer tools open, so those comments
are left as they are. References that pages need — CSS `url()` and `@import` — are still checked: a missing
image or font still fails `collectstatic`.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    return tuple(
        (extension, tuple(p for p in rules if "sourceMappingURL" not in (p[0] if isinstance(p, tuple) else p)))
        for extension, rules in patterns
    )


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
