"""Writes expected CLIP token ids for a table of tricky prompts, from transformers' CLIPTokenizer.

Run from the repository root with transformers installed:
    python tools/tokenizer_reference.py
Output: engine/src/test/resources/tokenizer-reference/clip-tricky.json (test data for ClipTokenizerTest).
"""

import json
import pathlib
import shutil
import tempfile

import transformers
from transformers import CLIPTokenizer

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOKENIZER_DIR = ROOT / "engine/src/test/resources/engine-reference/sd15/model/tokenizer"
OUT = ROOT / "engine/src/test/resources/tokenizer-reference/clip-tricky.json"

WHITE_SPACE = "\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"

TEXTS = [
    "café crème brûlée",
    "cafe\u0301 (decomposed accent, NFC composes it)",
    "Ångström ÅNGSTRÖM naïve façade",
    "ΟΔΟΣ Σίσυφος ΣΊΣΥΦΟΣ",
    "İstanbul DİYARBAKIR",
    "Straße STRASSE ß ẞ",
    "日本の風景、富士山と桜。",
    "中文提示词 한국어 프롬프트 ไทย",
    "emoji 🦊🔥 fox 👩‍👩‍👧 family 🇯🇵 flag",
    "!!!??? ... --- +++ ((((masterpiece)))) [[[best]]] {{{quality}}}",
    "a+++ (b)1.2 c-- d:1.5 e__f g~~h",
    "don't can't won't I'm you're we've they'll she'd it's",
    "DON'T CAN'T I'M YOU'RE WE'VE THEY'LL SHE'D IT'S",
    "'s 't 're ''s ''' 'quoted' \"double\" `back`",
    "rock'n'roll o'clock l'amour",
    "supercalifragilisticexpialidociouspneumonoultramicroscopicsilicovolcanoconiosis",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "",
    " ",
    "     ",
    "\n\n\n",
    "multiple   spaces\tand\ttabs\n\nand\r\nnewlines",
    "white" + WHITE_SPACE + "space",
    "zero\u200bwidth\ufeffjoiner\u200dnon\u200cjoiner",
    "control\u0000char\u0007bell\u001bescape",
    "1234567890 3.14159 1e-5 0x1F 50% #hashtag @mention",
    "١٢٣ Arabic digits ⅠⅡⅢ roman ½ ¼ fractions ² ³",
    "<|startoftext|>a photo<|endoftext|> of a cat",
    "<|ENDOFTEXT|> <|endoftext|><|endoftext|>",
    "<|startoftext|>",
    "&amp; &lt;b&gt;bold&lt;/b&gt; &quot;quoted&quot; &#39;",
    "http://example.com/path?query=1&b=2",
    "snake_case camelCase PascalCase kebab-case SCREAMING_CASE",
    "mixed日本語andEnglish混合text",
    "Ça va? Où est l'hôtel? Être à Noël",
    "Привет мир! ПРИВЕТ",
    "مرحبا بالعالم",
    "שלום עולם",
    "नमस्ते दुनिया",
    "💯💯💯 ✨✨ ❤️ ♥ ☺",
    "tab\tonly",
    "trailing apostrophe'",
    "8k uhd, dslr, soft lighting, high quality, film grain, Fujifilm XT3",
    "(masterpiece:1.2), best quality, 1girl, solo, long hair, looking at viewer",
    "a" * 200,
    " ".join(["word"] * 100),
    "fox, " * 40,
]


def encode(tok, text):
    padded = tok(text, padding="max_length", max_length=77, truncation=True).input_ids
    full = tok(text).input_ids
    return {"text": text, "ids": padded, "untruncated": full}


def main():
    clip = CLIPTokenizer.from_pretrained(TOKENIZER_DIR)
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("vocab.json", "merges.txt"):
            shutil.copy(TOKENIZER_DIR / name, tmp)
        config = json.loads((TOKENIZER_DIR / "tokenizer_config.json").read_text())
        config["pad_token"] = "!"
        pathlib.Path(tmp, "tokenizer_config.json").write_text(json.dumps(config))
        open_clip = CLIPTokenizer.from_pretrained(tmp)
        pad_cases = [encode(open_clip, t) for t in ("a red fox in the snow", "", "hello! wow!! <|endoftext|>!", "fox, " * 40)]
    out = {
        "made_by": f"transformers {transformers.__version__} CLIPTokenizer, tools/tokenizer_reference.py",
        "tokenizer": "engine-reference/sd15/model/tokenizer",
        "cases": [encode(clip, t) for t in TEXTS],
        "pad_exclamation_cases": pad_cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(out['cases'])} cases to {OUT}")


if __name__ == "__main__":
    main()
