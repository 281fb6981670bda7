"""Training data for the entity model: corpus readers, label mapping, splits, gazetteer list."""

from __future__ import annotations

import json
from pathlib import Path

import spacy

from analyzers.entities import components
from analyzers.entities.corpus import (
    Sentence,
    cluener,
    mask_unlabelled_places,
    peoples_daily,
    split_peoples_daily,
    weibo,
)
from analyzers.entities.train import gazetteer_exclusions, make_example, train_ner_command


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_peoples_daily_bio_is_read_and_normalized(tmp_path: Path) -> None:
    lines = [
        "青 B-ORG",
        "岛 I-ORG",
        "队 I-ORG",
        "在 O",
        "１ O",
        "９ O",
        "Ｘ B-PER",
        "",
        "北 B-LOC",
        "京 I-LOC",
        "",
    ]
    write(tmp_path / "peoples-daily-ner/example.dev", "\n".join(lines) + "\n")
    first, second = peoples_daily(tmp_path)
    assert first.text == "青岛队在19x"
    assert first.spans == ((0, 3, "ORG"), (6, 7, "PERSON"))
    assert second.spans == ((0, 2, "PLACE"),)


def test_weibo_keeps_names_only_and_drops_segmentation_digits(tmp_path: Path) -> None:
    rows = [
        "李0\tB-PER.NAM",
        "老1\tI-PER.NAM",
        "师0\tB-PER.NOM",
        "师1\tI-PER.NOM",
        "在0\tO",
        "广0\tB-GPE.NAM",
        "州1\tI-GPE.NAM",
        "",
    ]
    write(tmp_path / "weibo-ner/weiboNER_2nd_conll.test", "\n".join(rows) + "\n")
    [sentence] = weibo(tmp_path, "test")
    assert sentence.text == "李老师师在广州"
    assert sentence.spans == ((0, 2, "PERSON"), (5, 7, "PLACE"))


def test_cluener_mapping(tmp_path: Path) -> None:
    row = {
        "text": "浙商银行叶老桂在北京市海淀区中关村大街27号参观故宫",
        "label": {
            "company": {"浙商银行": [[0, 3]]},
            "name": {"叶老桂": [[4, 6]]},
            "address": {"北京市海淀区中关村大街27号": [[8, 21]]},
            "scene": {"故宫": [[24, 25]]},
        },
    }
    write(tmp_path / "cluener2020/train.json", json.dumps(row, ensure_ascii=False) + "\n")
    [full] = cluener(tmp_path)
    assert full.spans == ((0, 4, "ORG"), (4, 7, "PERSON"))
    assert full.missing == ((8, 22), (24, 26))
    [persons] = cluener(tmp_path, ["PERSON"])
    assert persons.spans == ((4, 7, "PERSON"),)
    assert (0, 4) in persons.missing


def test_unlabelled_known_places_become_unknown() -> None:
    sentence = Sentence("中国银行在中国和美国", ((0, 4, "ORG"),), (), "cluener")
    [masked] = mask_unlabelled_places([sentence], {"中国", "美国"})
    assert masked.missing == ((5, 7), (8, 10))


def test_peoples_daily_split_is_fixed() -> None:
    sentences = [Sentence(str(i), ()) for i in range(2318)]
    train, dev, heldout = split_peoples_daily(sentences)
    assert [s.text for s in heldout][:1] == ["1854"] and len(heldout) == 464
    assert len(dev) == 231 and dev[0].text == "7"
    assert len(train) + len(dev) + len(heldout) == 2318


def test_examples_mark_unknown_spans_missing() -> None:
    nlp = spacy.blank("zh")
    nlp.tokenizer = components.CharTokenizer(nlp.vocab)
    example = make_example(nlp, Sentence("叶老桂在故宫", ((0, 3, "PERSON"),), ((4, 6),)))
    assert example.reference.to_json()["ents"] == [{"start": 0, "end": 3, "label": "PERSON"}]
    assert [t.ent_iob_ for t in example.reference] == ["B", "I", "I", "O", "", ""]


def test_gazetteer_exclusions_are_common_words() -> None:
    train = [Sentence("双方加强合作。", (), (), "peoples-daily")] * 2
    train += [Sentence("他在合作市工作。", ((2, 5, "PLACE"),), (), "msra")]
    train += [Sentence("宝鸡是一座城市。", ((0, 2, "PLACE"),), (), "msra")]
    assert gazetteer_exclusions(train) == ["东至", "合作"]  # 东至: the four bounds of land deeds


def test_train_ner_command_needs_the_corpus(tmp_path: Path, capsys) -> None:
    assert train_ner_command(tmp_path / "nothing", tmp_path / "model") == 2
    assert "no corpus" in capsys.readouterr().err


def test_msra_reads_the_training_corpus_then_its_test_file(tmp_path: Path) -> None:
    from analyzers.entities.corpus import msra

    write(tmp_path / "msra-ner/msra_train_bio.txt", "张\tB-PER\n三\tI-PER\n好\tO\n\n")
    write(tmp_path / "msra-ner/msra_test_bio.txt", "上\tB-LOC\n海\tI-LOC\n\n")
    assert [(s.text, s.spans, s.source) for s in msra(tmp_path)] == [
        ("张三好", ((0, 2, "PERSON"),), "msra"),
        ("上海", ((0, 2, "PLACE"),), "msra"),
    ]


def tiny_corpus(root: Path) -> Path:
    """A corpus folder in the shared corpus's layout, a few sentences per file."""
    pd = "\n\n".join(
        ["江 B-PER\n泽 I-PER\n民 I-PER\n在 O\n北 B-LOC\n京 I-LOC", "新 B-ORG\n华 I-ORG\n社 I-ORG\n报 O\n道 O"]
        * 10
    )
    write(root / "peoples-daily-ner/example.dev", pd + "\n")
    msra_text = "\n\n".join(["李\tB-PER\n鹏\tI-PER\n访\tO\n问\tO\n上\tB-LOC\n海\tI-LOC"] * 20)
    write(root / "msra-ner/msra_train_bio.txt", msra_text + "\n")
    write(root / "msra-ner/msra_test_bio.txt", msra_text + "\n")
    for split in ("train", "dev", "test"):
        write(root / f"weibo-ner/weiboNER_2nd_conll.{split}", "广0\tB-GPE.NAM\n州1\tI-GPE.NAM\n好0\tO\n\n")
    write(root / "cluener2020/train.json", "")
    return root


def test_training_with_the_fixed_seed_is_reproducible(tmp_path: Path) -> None:
    from analyzers.entities.train import train_model

    corpus = tiny_corpus(tmp_path / "corpus")
    small = {"training.max_steps": 4, "training.eval_frequency": 2, "training.max_epochs": 1}
    weights = []
    for run in ("a", "b"):
        train_model(corpus, tmp_path / run, overrides=small, log=lambda _: None)
        weights.append((tmp_path / run / "tok2vec" / "model").read_bytes())
    assert weights[0] == weights[1]


def test_shipped_model_card_states_data_scores_and_date() -> None:
    import re

    from analyzers.entities import MODEL_DIR

    card = (MODEL_DIR / "README.md").read_text("utf-8")
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", card)
    assert "msra" in card and "peoples-daily" in card
    micro = re.search(r"held-out micro F1 \*\*(0\.\d{3})\*\*", card)
    assert micro and float(micro.group(1)) > 0.763  # better than the model it replaced
    meta = json.loads((MODEL_DIR / "meta.json").read_text("utf-8"))
    assert meta["lantai"]["seed"] == 1998
