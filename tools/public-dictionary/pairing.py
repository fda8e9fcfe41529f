"""Ties named-dialect elements (FusionPBX uc924u/uc926u: `<NW_Adv_HTTPPort>`) to P-codes beyond the
one-to-one name match of extract.py, each pair marked with the rule that gave it. Facts only: the
rules read names, codes, default values and section comments of the templates; no text is kept.

Before these rules, extract.py matches names one to one against every para text, including those
that Wazo's line-key numbering gives (wazo_linekey_paras: `LineKey13_Type` is P20240).

Rules, strongest first (a name takes the first rule that ties it to exactly one code):
  exact      the element name is, character for character, a para text of exactly one code
             (Wazo writes named-dialect para texts: `Profile1_AccountRingTone` is P104 in base.tpl,
             where FusionPBX gives `Account1.AccountRingTone` to both P104 and P8721).
  pickup     a key's `<key>_Extension` is FusionPBX's `<key>.PickupCode` (Wazo's common.py numbers
             `LineKey<n>_Extension` exactly where FusionPBX writes `LineKey<n>.PickupCode`).
  group      the element name less its leading section word(s) (`IPv4_`, `NW_Adv_`, `DT_`,
             `Preference_`) equals a para text less its dotted section (`DateTime.`, `Features.`),
             letters and digits compared, any case; never across a numbered group (`Account1.`), at
             least 6 letters, one code only.
  aligned    the P-code template and the named template of one model list their settings in the
             same order: anchored on the names already tied and on identical section comments, a
             stretch with as many untied names as untied codes pairs them position by position; in
             other stretches a name pairs with the one code of the stretch whose para ends in the
             same word(s). Inferred, not stated.
  rows       a pair found for row 1 of a repeated group (Account1/Profile1, LineKey1) carries to row
             n when the code's para with its number changed names exactly one code.

Every new pair is checked and kept out (suspicious) when: the code already has another name in the
same template; a source gives the code a named-dialect para text that names another setting; the
two templates' default values differ (both literal); the named template's default is outside the
choices a comment documents for the code or the range of bundler's own [pcodes]; or (aligned) the
pair rests on position alone (no shared word that is not a field word, not under the same section).
"""
import re
from collections import defaultdict
from difflib import SequenceMatcher

ELEMENT = re.compile(r"<!--(.*?)-->|<([A-Za-z][\w.{}$]*)(?:\s+para=\"([^\"]*)\")?\s*(?:/>|>(.*?)</\2\s*>)", re.S)
ROW_ONE = {"{$row.line_number}": "1", "{$row.device_key_id}": "1"}


def key(text):
    return re.sub(r"[^a-z0-9]", "", text.lower())


def norm(name):
    """The key a para name and an element name are compared by: letters and digits, any case, and
    `Account<n>` = `Profile<n>` (FusionPBX's uc926 spells profile 1 `Account1.`, Wazo `Profile1_`)."""
    return re.sub(r"^(account|profile)(\d+)", r"profile\2", key(name))


def literal(value):
    """A default value as written, or None where the template fills it in ({$var})."""
    if value is None:
        return ""
    value = re.sub(r"\{literal\}(.*?)\{/literal\}", r"\1", value, flags=re.S).strip()
    return None if "{$" in value or "{if" in value else value


def in_order(text, named):
    """The template's entries in order: ("#", comment key) for a section comment, (name or code,
    default value) for a setting's first occurrence; rows of a named template as row 1."""
    if named:
        for placeholder, one in ROW_ONE.items():
            text = text.replace(placeholder, one)
    out, seen, section = [], set(), ""
    for m in ELEMENT.finditer(text):
        if m.group(1) is not None:
            section = key(m.group(1))
            out.append(("#", section))
            continue
        tag = m.group(2)
        if tag in ("hl_provision", "config") or "{" in tag:
            continue
        ident = tag if named else (int(tag[1:]) if re.fullmatch(r"P\d+", tag) else None)
        if ident is None or ident in seen:
            continue
        seen.add(ident)
        out.append((ident, literal(m.group(4)), section))
    return out


def wazo_linekey_paras(common_py):
    """{code: para} from Wazo's line-key numbering (common.py `_gen_param_num`, `_NB_LINEKEYS`):
    LineKey<n>_Type/_Mode/_Value/_Label/_Account/_Extension."""
    body = common_py.split("def _gen_param_num", 1)[1].split("def ", 1)[0]
    c = {k: int(v) for k, v in re.findall(r"^\s*(\w+) = (\d+)\s*$", body, re.M)}
    most = max(int(n) for n in re.findall(r"'UC\w+': (\d+)", common_py.split("_NB_LINEKEYS", 1)[1].split("}", 1)[0]))

    def number(line, offset):
        if line < c["limit_step1"]:
            return c["param_step1_base"] + line - 1 + 100 * offset, c["mode_base"] + line - 1
        if line < c["limit_step2"]:
            return c["param_step2_base"] + offset + 5 * (line - c["limit_step1"]), c["mode_base"] + line - 1
        base = c["param_step3_base"] + offset + 5 * (line - c["limit_step2"])
        return base, base

    out = {}
    for n in range(1, most + 1):
        for field, offset in (("Type", 0), ("Value", 1), ("Label", 2), ("Account", 3), ("Extension", 4)):
            out.setdefault(number(n, offset)[0], []).append(f"LineKey{n}_{field}")
        out.setdefault(number(n, 0)[1], []).append(f"LineKey{n}_Mode")
    return out


SECTION_WITH_DIGIT = {"ipv4", "ipv6"}


def suffixes(name, sep):
    """Keys of `name` less 0..k leading words (split at `sep`), longest first. A word with a number
    after its letters (Account1, Exp2: a numbered group) is never dropped; IPv4 and IPv6 are
    section words, not numbers."""
    parts = [w for w in re.split(sep, name) if w]
    out = [key(name)]
    for k in range(1, len(parts)):
        dropped = parts[k - 1]
        if (re.search(r"[A-Za-z]\d", dropped) and dropped.lower() not in SECTION_WITH_DIGIT) or dropped.isdigit():
            break
        out.append(key("".join(parts[k:])))
    return out


# Words that name a field of many settings, not a setting: sharing only these ties nothing.
FIELD_WORDS = {"code", "type", "mode", "value", "label", "active", "enable", "flag", "name", "time", "call",
               "account", "server", "status", "url", "key", "on", "off"}


def words(text):
    found = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", text)
    return {w.lower() for w in found if len(w) >= 3 and w.lower() not in FIELD_WORDS}


def same_setting(a, b):
    """Two names share their last words (one name's key is a suffix key of the other, 6+ letters)."""
    ka, kb = set(suffixes(a, r"[._\-]")), set(suffixes(b, r"[._\-]"))
    return any(len(s) >= 6 for s in ka & kb)


class Pairing:
    """The ties of one run: name -> (code, rule, extra source keys), and what was kept out."""

    def __init__(self, paras, names, choices, ranges):
        self.paras = paras  # code -> para -> {source keys}
        self.names = names  # name -> {"sources": {...}, "codes": {...}}
        self.choices = choices  # code -> {value: meaning}
        self.ranges = ranges  # code -> (min, max) of bundler's own dictionary
        self.tie = {}
        self.kept_out = []  # (name, code, rule, reason)
        self.defaults = {}  # (template key, name or code) -> literal default
        self.pairs_of = {}  # named template key -> P-code template key
        self.sections = {}  # (template key, name or code) -> key of the section comment above it
        for name, e in names.items():
            if len(e["codes"]) == 1:
                code = next(iter(e["codes"]))
                # Named after a para that only Wazo's line-key numbering gives: say so.
                given = set().union(*(s for p, s in paras[code].items() if norm(p) == norm(name)))
                self.tie[name] = (code, "name", given if given == {"wazo-common"} else set())

    def learn(self, template_key, entries):
        for entry in entries:
            if entry[0] != "#":
                self.defaults[(template_key, entry[0])] = entry[1]
                self.sections[(template_key, entry[0])] = entry[2]

    def named_default(self, template, name):
        if (template, name) in self.defaults:
            return self.defaults[(template, name)]
        first = re.sub(r"^(Account|Profile|LineKey)\d+_", r"\g<1>1_", name)
        return self.defaults.get((template, first))

    def templates_of(self, name):
        return sorted((k for k in self.names[name]["sources"] if k in self.pairs_of), reverse=True)

    def suspicious(self, name, code):
        """Why a new pair looks wrong, or None."""
        for t in self.templates_of(name):
            other = [n for n, (c, _, _) in self.tie.items() if c == code and n != name and t in self.names[n]["sources"]]
            if other:
                return f"P{code} is already {other[0]} in {t}"
            named = [p for p in self.paras[code] if re.fullmatch(r"[A-Za-z]+\d*_\w+", p)]
            if named and not any(norm(p) == norm(name) or same_setting(p, name) for p in named):
                return f"a source names P{code} {named[0]}"
            mine, theirs = self.named_default(t, name), self.defaults.get((self.pairs_of[t], code))
            if mine is not None and theirs is not None and mine != theirs:
                return f"defaults differ: '{mine}' in {t}, '{theirs}' in {self.pairs_of[t]}"
            low, high = self.ranges.get(code, (None, None))
            if mine not in (None, "") and (low is not None or high is not None):
                number = int(mine) if mine.lstrip("-").isdigit() else None
                if number is None or (low is not None and number < low) or (high is not None and number > high):
                    return f"'{mine}' is outside P{code}'s range {low}..{high} in bundler's [pcodes]"
            documented = self.choices.get(code)
            if documented and mine not in (None, "") and (not mine.lstrip("-").isdigit() or int(mine) not in documented):
                return f"'{mine}' is outside P{code}'s documented values"
        return None

    def offer(self, name, code, rule, extra=()):
        if name in self.tie:
            return False
        why = self.suspicious(name, code)
        if why:
            self.keep_out(name, code, rule, why)
            return False
        self.tie[name] = (code, rule, set(extra))
        return True

    def check_name_ties(self):
        """The checks over the one-to-one name ties: a tie through Wazo's line-key numbering alone is
        new and goes when flagged; the others are only counted (returned) for the report."""
        flagged = []
        for name, (code, rule, extra) in sorted(self.tie.items()):
            if rule != "name":
                continue
            del self.tie[name]
            why = self.suspicious(name, code)
            if why and extra:
                self.keep_out(name, code, "wazo-common", why)
                continue
            if why:
                flagged.append((name, code, why))
            self.tie[name] = (code, rule, extra)
        return flagged

    def keep_out(self, name, code, rule, why):
        if not any(n == name and c == code for n, c, _, _ in self.kept_out):
            self.kept_out.append((name, code, rule, why))

    def untied(self):
        return sorted(n for n in self.names if n not in self.tie)

    def by_exact_para(self):
        exact = defaultdict(set)
        for code, ps in self.paras.items():
            for p in ps:
                exact[p].add(code)
        for name in self.untied():
            codes = exact.get(name, set())
            if len(codes) == 1:
                code = next(iter(codes))
                self.offer(name, code, "rule-exact", self.paras[code][name])

    def by_pickup(self):
        index = defaultdict(set)
        for code, ps in self.paras.items():
            for p in ps:
                if key(p).endswith("pickupcode"):
                    index[key(p)[: -len("pickupcode")] + "extension"].add(code)
        for name in self.untied():
            codes = index.get(key(name), set())
            if len(codes) == 1:
                self.offer(name, next(iter(codes)), "rule-pickup")

    def by_group(self):
        index = defaultdict(set)
        for code, ps in self.paras.items():
            for p in ps:
                for s in suffixes(p, r"[.\-]"):
                    index[s].add(code)
        for name in self.untied():
            for s in (s for s in suffixes(name, r"_") if len(s) >= 6):
                codes = index.get(s, set())
                if codes:
                    if len(codes) == 1:
                        self.offer(name, next(iter(codes)), "rule-group")
                    break

    def by_order(self, named_key, named_entries, pcode_key, pcode_entries, rule):
        """Rule `aligned` on one pair of templates (row 1 of the named one): a diff (difflib) of the
        two sequences, where a tied name stands for its code and a section comment for itself."""
        def anchor_b(e):
            return ("#", e[1]) if e[0] == "#" else (("P", self.tie[e[0]][0]) if e[0] in self.tie else ("?", e[0]))

        a = [("#", e[1]) if e[0] == "#" else ("P", e[0]) for e in pcode_entries]
        b = [anchor_b(e) for e in named_entries]
        tied_codes = {c for c, _, _ in self.tie.values()}
        found = []
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if tag == "equal":
                continue
            codes = [x[1] for x in a[i1:i2] if x[0] == "P" and x[1] not in tied_codes]
            names = [x[1] for x in b[j1:j2] if x[0] == "?" and x[1] in self.names]
            found += self.pair_stretch(codes, names)
        for name, code in found:
            if self.related(named_key, pcode_key, name, code):
                self.offer(name, code, rule)
            else:
                self.keep_out(name, code, rule, "by position only: no shared word, not under the same section")

    def related(self, named_key, pcode_key, name, code):
        """A pair by position is kept when the name and a para of the code share a word that is not
        a field word, or when both sit under the same section comment."""
        if any(words(name) & words(p) for p in self.paras[code]):
            return True
        mine = self.sections.get((f"fusionpbx-{named_key}", name))
        return bool(mine) and mine == self.sections.get((f"fusionpbx-{pcode_key}", code))

    def pair_stretch(self, codes, names):
        if codes and len(codes) == len(names):
            return list(zip(names, codes))
        out = []
        for name in names:
            ends = set(suffixes(name, r"_"))
            hits = [c for c in codes if any(s in ends for p in self.paras[c] for s in suffixes(p, r"[.\-]"))]
            if len(hits) == 1:
                out.append((name, hits[0]))
        return out

    def by_rows(self):
        """Rule `rows`: carry row-1 pairs of the other new rules to the same name of row n."""
        para_codes = defaultdict(set)
        for code, ps in self.paras.items():
            for p in ps:
                para_codes[p].add(code)
        numbered = re.compile(r"^(Account|Profile|LineKey|linekey)(\d+)(?=[._])")
        for name in self.untied():
            m = numbered.match(name)
            if not m or m.group(2) == "1":
                continue
            first = numbered.sub(lambda g: g.group(1) + "1", name)
            code, rule, extra = self.tie.get(first, (None, "name", set()))
            if rule in ("name", "rule-rows"):
                continue
            targets = set()
            for p in self.paras[code]:
                if numbered.match(p) and numbered.match(p).group(2) == "1":
                    targets |= para_codes.get(numbered.sub(lambda g: g.group(1) + m.group(2), p), set())
            if len(targets) == 1:
                self.offer(name, next(iter(targets)), "rule-rows", {rule} | extra)
