"""Small COCO-format files written by the dataset tests, and the tools/misc scripts as modules."""
import importlib.util
import json
import os.path as osp

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def load_tool(name):
    """``tools/misc/<name>.py`` as a module (its ``main(argv)`` is what the command runs)."""
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, 'tools', 'misc',
                                                                 f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_coco(path, images, annotations, categories):
    """``images``: list of (id, file_name); ``annotations``: list of (image_id, category_id);
    ``categories``: list of (id, name), in any order."""
    data = dict(images=[dict(id=i, file_name=f, width=32, height=32) for i, f in images],
                annotations=[
                    dict(id=n + 1, image_id=i, category_id=c, bbox=[0, 0, 4, 4], area=16, iscrowd=0)
                    for n, (i, c) in enumerate(annotations)
                ],
                categories=[dict(id=c, name=name, supercategory='x') for c, name in categories])
    with open(path, 'w') as f:
        json.dump(data, f)
    return osp.abspath(path)
