"""Install this checkout in editable mode so that ``mim`` (openmim 0.3.9) finds it.

    python tools/misc/install_editable.py    # with the environment's python (setup_env.sh does)

Runs ``pip install --no-build-isolation --no-deps -e .`` (setup.py links ``configs/``, ``tools/``
and ``model-index.yml`` into ``mmml_plugin/.mim``), then links ``<site-packages>/mmml_plugin`` to
the checkout's ``mmml_plugin``.

Why the link: mim looks for a package's files at ``<location>/<package>/.mim``, where
``location`` is where ``pkg_resources`` found the package's metadata
(``mim/utils/utils.py::get_installed_path``). An editable install made by pip with setuptools'
PEP 660 backend puts the metadata (``mmml_plugin-X.dist-info``) in site-packages and the code
stays in the checkout, reached through an import hook, so ``<site-packages>/mmml_plugin`` does
not exist and ``mim search/train/test/download mmml_plugin`` fail with "model-index.yml ... is
not found, please upgrade your mmml_plugin". (An editable install of mmpretrain made the same
way fails the same way; a wheel install has the folder.) With the link, the package imports from
the same files as before, now through site-packages. ``pip uninstall mmml_plugin`` leaves the
link: delete ``<site-packages>/mmml_plugin`` too.
"""
import os
import os.path as osp
import subprocess
import sys
import sysconfig

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def link_for_mim(root: str = ROOT, site_packages: str = None) -> str:
    """Link ``<site_packages>/mmml_plugin`` to ``<root>/mmml_plugin``; returns the link.

    Args:
        root (str): the checkout.
        site_packages (str, optional): the environment's site-packages (default: this
            interpreter's ``purelib``).
    """
    site_packages = site_packages or sysconfig.get_paths()['purelib']
    package = osp.join(root, 'mmml_plugin')
    if not osp.isdir(osp.join(package, '.mim')):
        raise FileNotFoundError(f'{package}/.mim not found: setup.py makes it during `pip '
                                'install -e .`; run this script, which does both.')
    link = osp.join(site_packages, 'mmml_plugin')
    if osp.islink(link):
        os.remove(link)  # an earlier checkout's link
    elif osp.exists(link):
        raise FileExistsError(f'{link} exists and is not a link: a non-editable install of '
                              'mmml_plugin; `pip uninstall mmml_plugin` first.')
    os.symlink(package, link)
    return link


def main():
    subprocess.run([
        sys.executable, '-m', 'pip', '--disable-pip-version-check', '--no-input', 'install', '-q',
        '--no-build-isolation', '--no-deps', '-e', ROOT
    ],
                   check=True)
    print(f'linked {link_for_mim()} -> {osp.join(ROOT, "mmml_plugin")} (for mim)')


if __name__ == '__main__':
    main()
