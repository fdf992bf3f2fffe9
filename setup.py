"""Installs mmml_plugin; configs and tools are shipped inside the package (``.mim``) for mim."""
import os
import os.path as osp
import shutil

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def get_version():
    scope = {}
    with open(osp.join(HERE, 'mmml_plugin', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def parse_requirements(fname):
    with open(osp.join(HERE, 'requirements', fname)) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith('#')]


def add_mim_extension():
    """Expose configs/, tools/ and model-index.yml under mmml_plugin/.mim (OpenMMLab convention).

    Symlinks for editable installs (``pip install -e .``), copies for wheels.
    """
    if 'develop' in os.sys.argv or 'editable_wheel' in os.sys.argv:
        mode = 'symlink'
    elif any(cmd in os.sys.argv for cmd in ('sdist', 'bdist_wheel', 'install')):
        mode = 'copy'
    else:
        return
    mim_path = osp.join(HERE, 'mmml_plugin', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in ('configs', 'tools', 'model-index.yml'):
        src = osp.join(HERE, name)
        tar = osp.join(mim_path, name)
        if not osp.exists(src):
            continue
        if osp.islink(tar) or osp.isfile(tar):
            os.remove(tar)
        elif osp.isdir(tar):
            shutil.rmtree(tar)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_path), tar)
        elif osp.isdir(src):
            shutil.copytree(src, tar)
        else:
            shutil.copyfile(src, tar)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmml_plugin',
        version=get_version(),
        description='OpenMMLab plugin for multi-label image recognition (SSGRL)',
        long_description=open(osp.join(HERE, 'README.md')).read() if osp.exists(
            osp.join(HERE, 'README.md')) else '',
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
        include_package_data=True,
        package_data={'mmml_plugin': ['.mim/**/*', '.mim/*']},
        python_requires='>=3.9',
        install_requires=parse_requirements('runtime.txt'),
        # det: mmdet and the compiled mmcv (Faster R-CNN); export: ONNX (tools/model_converters/
        # pytorch2onnx.py); docs/install.md has the routes
        extras_require={k: parse_requirements(f'{k}.txt')
                        for k in ('det', 'export', 'tests')},
        zip_safe=False,
    )
