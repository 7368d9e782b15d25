"""Writes the expected parse of Compel prompts, as compel's own parser produces them, for PromptParserTest.

Usage: PYTHONPATH=<checkout of github.com/damian0815/compel (git c60b9fb)>/src python3 generate_prompt_parses.py \
           <sd15-compel golden/index.json> <output json>

Needs pyparsing (compel's parser imports nothing else). Every prompt of the sd15-compel reference data is included
first, and its parse is checked against the `parsed` field recorded there.
"""

import json
import sys

from compel.prompt_parser import Blend, FlattenedPrompt, PromptParser

# Prompts the Java parser accepts; their parse must equal compel's. Prompts compel reads as literal junk (unbalanced
# parentheses, weights glued to words, ...) are rejected by the Java parser and are tested there, not here.
PROMPTS = [
    "a cat",
    "  a   cat  ",
    "a cat\tsitting\non a mat\r\n",
    "",
    "   ",
    "a tall thin man picking apricots+",
    "a tall thin man picking (apricots)+",
    "a tall thin man picking (apricots)-",
    "a tall thin man (picking apricots)+",
    "a tall thin man (picking apricots)++",
    "a tall thin man (picking apricots+)++",
    "a tall thin man (picking (apricots)1.3)1.1",
    "a man picking apricots--- from a tree",
    "mountain+++ man",
    "mountain man++++",
    "a+ b++ c+++ d++++ e+++++ f++++++ g+++++++ h++++++++",
    "a- b-- c--- d---- e----- f------ g------- h--------",
    "(a)1.3 (b)1.3",
    "(a)1.3 b",
    "((a)1.2)1.5",
    "((a)1.2 b)1.5",
    "(((a)0.5 b)1.1 c)1.2 d",
    "(a (b (c (d)1.1)1.2)1.3)1.4",
    "(a)",
    "((a))",
    "a () b",
    "a ()1.2 b",
    "(a)0",
    "(a).5",
    "(a)1.",
    "(a)2",
    "(a)1.2.",
    "(a)1.2, b",
    "(a)1.2(b)0.8",
    "(a)+(b)-",
    "(a)(b)",
    "(a)b",
    "word+(b)",
    "a+b",
    "a+b+",
    "x-ray (x-ray)1.2",
    "a -5 (b -5)1.2",
    "(a+b)",
    "a - b + c = d",
    "a,b,c",
    "a, b, c",
    "fox,+",
    "red+, fox",
    "red+,fox",
    "hello.  world",
    "a (b,c)+ d",
    "a (b, c. d)1.2 e",
    "(a red fox, (snowy)0.7 forest)1.2",
    "(word:1.3)",
    "(masterpiece:1.2), best quality",
    "a \"b\" c",
    "a \"b c\"+ d",
    "\"a, b\"",
    "\"a red fox, x\"+",
    "\"a\"(b)",
    "a \"\" b",
    "(\"  \")1.2",
    "\"say \\\"hi\\\" now\"",
    "a photo of \\(literal parens\\) in the snow",
    "(a photo of \\(literal parens\\))1.2",
    "\\(a\\)1.2",
    "\\\"quoted\\\" word",
    "a\\, b",
    "(a\\, b)1.2",
    "(a\\= b\\+ c\\-)1.2",
    "(a\\- b\\+)",
    "a\\b c\\",
    "(a).attend(1.2)",
    "a.attend(+)",
    "a .attend(--)",
    "(a b).attend(--)",
    "(a) .attend( 0.8 )",
    "\"a b\".attend(1.5)",
    "(a).attendx",
    "(a b .attend(+))1.2",
    "日本語 (猫)1.2 café",
    "a\u3000b (\"x\u3000y\")1.2",
    "\u00a0",
    "emoji \U0001F98A+ (\U0001F332 forest)1.1",
    "(\"a red fox\", \"a snowy forest\").blend(0.7, 0.3)",
    "(\"a\", \"b\").blend()",
    "(\"a\", \"b\").blend(1, 1, no_normalize)",
    "(\"a\", \"b\").blend(1, -0.5)",
    "(\"a\", \"b\").blend(.5, 1.)",
    "( \"a\" , \"b\" ) .blend( 1 , 2 )",
    "(\"a (red)1.2 fox\", \"b--\", c, (d e)).blend(1, 2, 3, 4)",
    "(\"a\").blend(2)",
    "(\"a red fox, x\", \"b\").blend(1,1)",
    "(\"a red fox\", \"snowy forest\").and()",
    "(\"a\", \"b\").add()",
    "(a, b).and()",
    "((a b), c).and()",
    "(\"a\", b).and(1, 2)",
    "(\"a b=c\", \"d\").and()",
    "(\"a, b=c\", \"d\").and()",
    "(\"a, b\", \"d\").and()",
    "(\"a = (b)1.2\", \"c\").and(0.5, 1.5)",
    "(\"\", \"\").and()",
    "(\"a\", \"b\").and() ",
    "(\"(a)1.2 b, c\", \"d+\").and()",
    "\"\u3000\"+ a",
    "a,,b ,c, d,",
    ",leading comma",
    "(\"a\", \"b\").blend(no_normalize)",
    "(\"a\", \"b\")\t.blend(1, 2)\n",
    "(\"a - b\", \"c +\").and()",
    "(a)1.3, (b)1.3. (c)1.3",
    "a highly detailed oil painting of a (red fox)1.2 in a snowy forest. soft morning light, tall pine trees, "
    "falling snowflakes, frozen river, distant mountains, the fox looks at the viewer. warm colors, masterpiece.",
]


def part_json(part, weight):
    if isinstance(part, FlattenedPrompt):
        return {"weight": weight, "fragments": [[f.text, f.weight] for f in part.children]}
    if isinstance(part, Blend):
        return {
            "weight": weight,
            "blend": [[[f.text, f.weight] for f in p.children] for p in part.prompts],
            "blend_weights": [float(w) for w in part.weights],
            "normalize": part.normalize_weights,
        }
    raise TypeError(f"unexpected part {part!r}")


def parse(parser, prompt):
    conjunction = parser.parse_conjunction(prompt)
    if conjunction.lora_weights:
        raise ValueError(f"{prompt!r}: unexpected LoRA weights")
    return [part_json(p, float(w)) for p, w in zip(conjunction.prompts, conjunction.weights)]


def golden_parts(case):
    parts = []
    for p in case["parsed"]:
        if "fragments" in p:
            parts.append({"weight": p["conjunction_weight"], "fragments": p["fragments"]})
        else:
            parts.append({"weight": p["conjunction_weight"], "blend": p["blend"],
                          "blend_weights": p["blend_weights"], "normalize": p["normalize"]})
    return parts


def main():
    golden_path, out_path = sys.argv[1], sys.argv[2]
    with open(golden_path) as f:
        golden = json.load(f)
    parser = PromptParser()
    cases = []
    for case in golden["cases"]:
        parts = parse(parser, case["prompt"])
        if parts != golden_parts(case):
            raise AssertionError(f"{case['prompt']!r}: compel gives {parts}, the reference recorded {case['parsed']}")
        cases.append({"prompt": case["prompt"], "source": "sd15-compel golden", "parts": parts})
    for prompt in (golden["long_prompt"]["prompt"], golden["long_prompt"]["negative_prompt"]):
        cases.append({"prompt": prompt, "source": "sd15-compel golden", "parts": parse(parser, prompt)})
    for prompt in PROMPTS:
        cases.append({"prompt": prompt, "source": "compel", "parts": parse(parser, prompt)})
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"made_by": "tools/compel/generate_prompt_parses.py with compel 2.4.0 (git c60b9fb) prompt_parser, "
                              "pyparsing " + __import__("pyparsing").__version__,
                   "cases": cases}, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
