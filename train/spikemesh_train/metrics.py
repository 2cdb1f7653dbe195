# Segmentation metrics: a confusion matrix over all labelled pixels, mean IoU and pixel accuracy.
"""MIoU as src/eval computes it: one confusion matrix over every labelled pixel of the split (255 ignored);
IoU = TP / (TP + FP + FN) for each class present in the union of labels and predictions; MIoU is their mean."""

from __future__ import annotations

from typing import List

import torch
from torch import Tensor

from .data import IGNORE_LABEL


class ConfusionMatrix:
    """Accumulates counts[label, prediction] over batches (int64, so no pixel count overflows)."""

    def __init__(self, classes: int):
        self.classes = classes
        self.counts = torch.zeros((classes, classes), dtype=torch.int64)

    def add(self, prediction: Tensor, labels: Tensor) -> None:
        """``prediction`` and ``labels`` are class indices of the same shape; labels equal to 255 are skipped."""
        keep = labels != IGNORE_LABEL
        index = labels[keep].to(torch.int64) * self.classes + prediction[keep].to(torch.int64)
        self.counts += torch.bincount(index, minlength=self.classes * self.classes).view(self.classes, self.classes)

    @property
    def pixels(self) -> int:
        return int(self.counts.sum())

    def pixel_accuracy(self) -> float:
        total = self.pixels
        return float(self.counts.diagonal().sum()) / total if total else 0.0

    def iou_per_class(self) -> List[float]:
        """IoU of each class; NaN where the class is neither labelled nor predicted (it is left out of the mean)."""
        tp = self.counts.diagonal().to(torch.float64)
        union = self.counts.sum(dim=0).to(torch.float64) + self.counts.sum(dim=1).to(torch.float64) - tp
        return [float(t / u) if u > 0 else float('nan') for t, u in zip(tp, union)]

    def mean_iou(self) -> float:
        present = [v for v in self.iou_per_class() if v == v]
        return sum(present) / len(present) if present else 0.0
