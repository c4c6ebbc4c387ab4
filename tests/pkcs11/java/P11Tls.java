// SPDX-License-Identifier: Apache-2.0
// JSSE mutual-TLS client whose key lives on the SE05x, reached through
// SunPKCS11 and libsss_pkcs11.so (the Greengrass V2 HTTPS path).
//   java P11Tls <sunpkcs11.cfg> <pin> <server-ca.pem> <host> <port> <alias>:<TLSv1.x> ...
// For each alias/protocol pair: KeyStore "PKCS11" entry -> client key and
// certificate, handshake, send a line, expect it reversed (openssl s_server -rev).
import java.io.*;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.*;
import java.security.cert.*;
import java.util.*;
import javax.net.ssl.*;

public class P11Tls {
    static final class OneKey extends X509ExtendedKeyManager {
        private final String alias;
        private final PrivateKey key;
        private final X509Certificate[] chain;
        OneKey(String alias, PrivateKey key, X509Certificate[] chain) {
            this.alias = alias; this.key = key; this.chain = chain;
        }
        public String[] getClientAliases(String t, Principal[] i) { return new String[] {alias}; }
        public String chooseClientAlias(String[] t, Principal[] i, Socket s) { return alias; }
        public String chooseEngineClientAlias(String[] t, Principal[] i, SSLEngine e) { return alias; }
        public String[] getServerAliases(String t, Principal[] i) { return null; }
        public String chooseServerAlias(String t, Principal[] i, Socket s) { return null; }
        public X509Certificate[] getCertificateChain(String a) { return chain; }
        public PrivateKey getPrivateKey(String a) { return key; }
    }

    public static void main(String[] args) throws Exception {
        Provider p = Security.getProvider("SunPKCS11").configure(args[0]);
        Security.addProvider(p);
        char[] pin = args[1].toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS11", p);
        ks.load(null, pin);
        System.out.println("aliases: " + Collections.list(ks.aliases()));

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = new FileInputStream(args[2])) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);

        String host = args[3];
        int port = Integer.parseInt(args[4]);
        for (int k = 5; k < args.length; k++) {
            String[] ap = args[k].split(":(?=TLS)");
            String alias = ap[0], proto = ap[1];
            if (!ks.isKeyEntry(alias))
                throw new IllegalStateException("no key entry with certificate for alias " + alias);
            PrivateKey key = (PrivateKey) ks.getKey(alias, pin);
            java.security.cert.Certificate[] c = ks.getCertificateChain(alias);
            X509Certificate[] chain = Arrays.copyOf(c, c.length, X509Certificate[].class);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[] {new OneKey(alias, key, chain)}, tmf.getTrustManagers(), null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(host, port)) {
                s.setEnabledProtocols(new String[] {proto});
                s.startHandshake();
                SSLSession ss = s.getSession();
                String msg = "se05x " + alias + " " + proto;
                Writer w = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.US_ASCII);
                w.write(msg + "\n");
                w.flush();
                BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                String back = r.readLine();
                String want = new StringBuilder(msg).reverse().toString();
                if (!want.equals(back))
                    throw new IllegalStateException("echo mismatch: " + back);
                System.out.println("OK " + alias + " " + ss.getProtocol() + " " + ss.getCipherSuite() + " key="
                                   + key.getAlgorithm() + " provider=" + p.getName());
            }
        }
    }
}
