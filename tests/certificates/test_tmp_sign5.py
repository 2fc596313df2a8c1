from tests.certificates.test_signing_verify import *
def test_x(client, certificate, hr_a):
    html = upload(client, signed_bytes(certificate)).content.decode()
    open("/tmp/sign5/out/valid.html","w").write(html.replace('"/static/', '"file:///work/main/static/'))
    html = upload(client, b"junk").content.decode()
    open("/tmp/sign5/out/junk.html","w").write(html.replace('"/static/', '"file:///work/main/static/'))
