package dev.doorward.hub.shared;

import java.io.Serial;
import java.util.Collection;
import java.util.List;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.UserDetails;

/** The principal of a signed-in browser session. Household roles are checked per request, not cached here. */
public final class SignedInAccount implements UserDetails {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String id;
    private final String username;
    private transient String passwordHash;

    public SignedInAccount(String id, String username, String passwordHash) {
        this.id = id;
        this.username = username;
        this.passwordHash = passwordHash;
    }

    public String id() {
        return id;
    }

    @Override
    public String getUsername() {
        return username;
    }

    @Override
    public String getPassword() {
        return passwordHash;
    }

    @Override
    public Collection<? extends GrantedAuthority> getAuthorities() {
        return List.of(new SimpleGrantedAuthority("ROLE_ACCOUNT"));
    }

    @Override
    public String toString() {
        return "SignedInAccount[" + id + "]";
    }
}
