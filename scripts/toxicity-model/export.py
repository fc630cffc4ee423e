"""Exports alt-profanity-check's trained model (TF-IDF vocabulary, idf, and the five
calibrated linear SVM folds) to JSON, so the studio and the SFU score text in TypeScript
without Python at run time. Also scores the probe strings with the Python model, so a
unit test can check the TypeScript scoring against it.

    python export.py <probe strings file> <out dir>
"""
import json
import sys
from importlib import resources

import joblib
import numpy as np
import sklearn

from profanity_check import predict_prob


def main(probe_file: str, out_dir: str) -> None:
    data = resources.files("profanity_check") / "data"
    vectorizer = joblib.load(data / "vectorizer.joblib")
    model = joblib.load(data / "model.joblib")

    # The TypeScript side implements exactly this configuration; refuse anything else.
    expected = dict(lowercase=True, token_pattern=r"(?u)\b\w\w+\b", ngram_range=(1, 1), norm="l2",
                    sublinear_tf=False, strip_accents=None, analyzer="word", binary=False, use_idf=True)
    for key, value in expected.items():
        if getattr(vectorizer, key) != value:
            raise SystemExit(f"unexpected vectorizer setting {key}={getattr(vectorizer, key)!r}")
    if model.method != "sigmoid" or list(model.classes_) != [0, 1]:
        raise SystemExit("expected a binary sigmoid-calibrated classifier")

    folds = []
    for calibrated in model.calibrated_classifiers_:
        svm = calibrated.estimator
        (calibrator,) = calibrated.calibrators
        folds.append({
            "coef": svm.coef_[0],
            "intercept": float(svm.intercept_[0]),
            "a": float(calibrator.a_),
            "b": float(calibrator.b_),
        })
    terms = sorted(vectorizer.vocabulary_.items(), key=lambda item: item[1])
    rows = [[term, float(vectorizer.idf_[index])] + [float(fold["coef"][index]) for fold in folds]
            for term, index in terms]
    exported = {
        "source": "alt-profanity-check 1.9.1 (MIT), scikit-learn " + sklearn.__version__,
        "tokenPattern": "runs of two or more word characters (letters, digits, underscore), lowercased",
        "terms": rows,
        "folds": [{"intercept": f["intercept"], "a": f["a"], "b": f["b"]} for f in folds],
    }
    with open(f"{out_dir}/model.json.tmp", "w", encoding="utf-8") as out:
        json.dump(exported, out, ensure_ascii=False, separators=(",", ":"))

    with open(probe_file, encoding="utf-8") as probe:
        strings = [line.rstrip("\n") for line in probe if line.strip() and not line.startswith("#")]
    scores = predict_prob(strings)
    expected_scores = [{"text": text, "score": float(score)} for text, score in zip(strings, np.asarray(scores))]
    with open(f"{out_dir}/expected-scores.json.tmp", "w", encoding="utf-8") as out:
        json.dump(expected_scores, out, ensure_ascii=False, indent=0)
    print(f"exported {len(rows)} terms, {len(folds)} folds; scored {len(strings)} probe strings")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
