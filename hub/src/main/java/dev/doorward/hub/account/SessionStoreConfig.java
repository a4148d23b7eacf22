package dev.doorward.hub.account;

import dev.doorward.hub.config.HubProperties;
import java.time.Clock;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.boot.session.autoconfigure.DefaultCookieSerializerCustomizer;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.session.config.annotation.web.http.EnableSpringHttpSession;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Browser sessions in PostgreSQL ({@link SessionStore}) behind Spring Session's servlet filter. The cookie keeps its
 * name and flags (application.properties: {@code __Host-doorward-session}, Secure, HttpOnly, SameSite=Strict, Path=/)
 * and now lasts as long as a session can (Max-Age = the absolute limit), so closing the browser does not sign out.
 * Its value is the session id itself (no base64), as the live port's gate reads it.
 */
@Configuration(proxyBeanMethods = false)
@EnableSpringHttpSession
class SessionStoreConfig implements BeanClassLoaderAware {
    private ClassLoader classLoader;

    @Override
    public void setBeanClassLoader(ClassLoader classLoader) {
        this.classLoader = classLoader;
    }

    @Bean
    SessionStore sessionRepository(
            JdbcTemplate jdbc,
            PlatformTransactionManager transactions,
            Clock clock,
            HubProperties properties,
            ApplicationEventPublisher events) {
        return new SessionStore(
                jdbc, new TransactionTemplate(transactions), clock, properties.sessions(), events, classLoader);
    }

    @Bean
    DefaultCookieSerializerCustomizer persistentSessionCookie(HubProperties properties) {
        return cookie -> {
            cookie.setCookieMaxAge((int) properties.sessions().absolute().toSeconds());
            cookie.setUseBase64Encoding(false);
        };
    }
}
