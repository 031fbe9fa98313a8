"""The explorer (handout 五.7.4, test mode made interactive): a local web page to move through a
trained GAN's latent space. explore.py starts it.

    catalog.py  the trained runs under a checkpoint folder (no TensorFlow)
    scene.py    what the page asks for, checked: run, seed, pictures, class, sliders, walk
    pool.py     one generator per loaded run, each in its own graph and session (as test mode)
    server.py   the HTTP server: the page, a small JSON API, PNG pictures; limits and rates
    page.html   the page (one file, HTML and JavaScript), served from memory
"""
