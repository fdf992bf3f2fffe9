"""Find the plugin's config files, installed (``.mim``) or in a source checkout."""
import os.path as osp

_PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def config_roots():
    """The ``configs`` folders of the installed package (``.mim``) and the source checkout."""
    return [
        root for root in (osp.join(_PACKAGE_DIR, '.mim', 'configs'),
                          osp.join(osp.dirname(_PACKAGE_DIR), 'configs')) if osp.isdir(root)
    ]


def get_config_file(name: str) -> str:
    """Return the path of ``configs/<name>`` (e.g. ``'demo/ssgrl_r18_demo.py'``).

    Looks in the package's ``.mim/configs`` (pip installs) and then in the source checkout.
    """
    for root in config_roots():
        path = osp.join(root, name)
        if osp.isfile(path):
            return path
    raise FileNotFoundError(f'configs/{name}: not found in the installed package or the source '
                            'checkout; reinstall the plugin with `pip install -e .`.')
