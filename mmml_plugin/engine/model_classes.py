"""The dataset's class names reach the model at build time, so that every class source is
checked by name.

:class:`~mmml_plugin.engine.MMMLRunner` calls :func:`fill_model_classes` on the model config
before building the model (``tools/train.py``, ``tools/test.py``, ``mim train/test`` alike):

* every head/neck whose constructor takes ``classes`` (``SSGRLHead``, ``GraphInteractionHead``,
  ``SemanticDecouplingNeck``) receives the training dataset's class names, so the label graph
  and embedding files are checked against them by name (and against each other) when the
  modules are built: a file in another class order fails with an error naming the file and
  the fix;
* ``head.num_classes``, ``neck.num_classes`` and ``data_preprocessor.num_classes`` are checked
  against the dataset's class count in one place, each named in the error.

The model never imports the datasets: the names travel in the config.
"""
import copy
import inspect
from typing import Any, Dict, List, Optional, Tuple

from mmengine.fileio import list_from_file
from mmengine.registry import DATASETS, MODELS

from mmml_plugin.utils.label_files import check_class_counts

_SPLITS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _config_classes(dataset_cfg: dict) -> Optional[Tuple[str, ...]]:
    classes = dataset_cfg.get('classes') or (dataset_cfg.get('metainfo') or {}).get('classes')
    if isinstance(classes, str):
        classes = list_from_file(classes)  # mmpretrain: a text file, one name per line
    return None if classes is None else tuple(str(c) for c in classes)


def _registered(registry, module_type):
    """The class registered as ``module_type`` in the current default scope (None if unknown)."""
    if not isinstance(module_type, str):
        return module_type
    with registry.switch_scope_and_registry(None) as scoped:
        return scoped.get(module_type)


def dataset_classes(dataset: Any) -> Optional[Tuple[str, ...]]:
    """The class names of a dataset or dataset config, in label order; images are not read.

    Taken from the config (``classes`` / ``metainfo.classes``), else from the dataset class's
    ``METAINFO`` (e.g. mmpretrain's ``VOC``), else from the dataset itself, built without its
    pipeline (e.g. ``CocoMultiLabelDataset``, whose classes come from the annotation file).
    Wrappers (``dataset=`` / ``datasets=``) are followed to the first wrapped dataset.

    Args:
        dataset: a built dataset (its ``metainfo``) or a dataset config dict.

    Returns:
        tuple[str] or None: the names, or None when the dataset has none.
    """
    if not isinstance(dataset, dict):
        classes = getattr(dataset, 'metainfo', {}).get('classes')
        return None if classes is None else tuple(str(c) for c in classes)
    classes = _config_classes(dataset)
    if classes is not None:
        return classes
    if isinstance(dataset.get('dataset'), dict):
        return dataset_classes(dataset['dataset'])
    if dataset.get('datasets'):
        return dataset_classes(dataset['datasets'][0])
    cls = _registered(DATASETS, dataset.get('type'))
    if cls is None:
        return None
    classes = (getattr(cls, 'METAINFO', None) or {}).get('classes')
    if classes:
        return tuple(str(c) for c in classes)
    built = DATASETS.build(dict(copy.deepcopy(dataset), pipeline=[]))
    return dataset_classes(built)


def _split_classes(dataloaders: Dict[str, Any]) -> Tuple[Optional[Tuple[str, ...]], str]:
    """The classes of the first split that has them: train, else val, else test."""
    for split in _SPLITS:
        loader = dataloaders.get(split)
        if loader is None:
            continue
        dataset = loader.get('dataset') if isinstance(loader, dict) else loader.dataset
        if dataset is None:
            continue
        try:
            classes = dataset_classes(dataset)
        except FileNotFoundError:
            continue  # e.g. testing without the training annotations: take the next split
        if classes is not None:
            return classes, f'{split}.dataset'
    return None, ''


def _accepts(module_cfg: dict, argument: str) -> bool:
    cls = _registered(MODELS, module_cfg.get('type'))
    if cls is None:
        return False
    return argument in inspect.signature(cls.__init__).parameters


def _class_modules(model: dict) -> List[Tuple[str, dict]]:
    found = []
    for key in ('neck', 'head'):
        part = model.get(key)
        if isinstance(part, dict) and part.get('type') is not None:
            found.append((f'model.{key}', part))
    return found


def fill_model_classes(model: dict,
                       dataloaders: Dict[str, Any],
                       data_preprocessor: Optional[dict] = None) -> dict:
    """Give the model config the dataset's class names and check every class count.

    Args:
        model (dict): the model config (not modified; a filled copy is returned).
        dataloaders (dict): ``train_dataloader`` / ``val_dataloader`` / ``test_dataloader``
            configs or built loaders (the first split with classes is used, train first).
        data_preprocessor (dict, optional): the top-level ``data_preprocessor`` config, used
            when ``model`` has none.

    Returns:
        dict: the model config, ``classes`` set on every head/neck that takes them.

    Raises:
        ValueError: a head/neck's configured ``classes`` differ from the dataset's, or a
            ``num_classes`` setting differs from the dataset's class count (every setting
            named), or a label file's classes are in another order (raised when the modules
            are built, naming the file).
    """
    model = copy.deepcopy(model)
    modules = _class_modules(model)
    # the runner merges the top-level data_preprocessor into the model config
    preprocessor = model.get('data_preprocessor') or data_preprocessor
    preprocessor = preprocessor if isinstance(preprocessor, dict) else {}
    wants_names = [(key, part) for key, part in modules if _accepts(part, 'classes')]
    counted = [(key, part) for key, part in modules if part.get('num_classes') is not None]
    if not wants_names and not counted and preprocessor.get('num_classes') is None:
        return model  # nothing class-dependent to check (e.g. a detector)
    classes, source = _split_classes(dataloaders)
    if classes is None:
        return model
    counts = {f'dataset classes ({source})': len(classes)}
    counts.update({f'{key}.num_classes': part['num_classes'] for key, part in counted})
    counts['data_preprocessor.num_classes'] = preprocessor.get('num_classes')
    check_class_counts(counts)
    for key, part in wants_names:
        given = part.get('classes')
        if given is None:
            part['classes'] = list(classes)
        elif [str(c) for c in given] != list(classes):
            raise ValueError(
                f'{key}.classes in the config {list(given)[:4]}... differ from the classes of '
                f'{source} {list(classes)[:4]}... (order included). Remove {key}.classes (the '
                'dataset\'s are filled in) or make them equal.')
    return model
